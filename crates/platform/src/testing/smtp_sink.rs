//! An SMTP sink: a real, tiny SMTP server on `127.0.0.1` that accepts every message and
//! keeps it in memory, so tests send mail through a real SMTP client and read what arrived.
//!
//! It speaks enough of RFC 5321 for lettre: `EHLO`/`HELO`, `AUTH PLAIN`/`LOGIN` (any
//! password, or none with [`SmtpSink::reject_logins`]), `MAIL FROM`, `RCPT TO`, `DATA`
//! with dot-unstuffing, `RSET`, `NOOP` and `QUIT`; no TLS. A mail server that is down is
//! [`SmtpSink::stop`], and one that comes back is [`SmtpSink::start_on`] the same port.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use super::ReceivedMail;
use super::received::decode_base64;

/// The longest line and the largest message the sink reads.
const MAX_LINE: u64 = 64 * 1024;
const MAX_MESSAGE: usize = 10 * 1024 * 1024;

/// A running sink; it stops when dropped.
#[derive(Debug)]
pub struct SmtpSink {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: Option<JoinHandle<()>>,
}

#[derive(Debug)]
struct Shared {
    messages: Mutex<Vec<ReceivedMail>>,
    logins: Mutex<Vec<String>>,
    reject_logins: AtomicBool,
    received: watch::Sender<usize>,
}

impl SmtpSink {
    /// Starts a sink on a free port.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_on(0).await
    }

    /// Starts a sink on `port` of `127.0.0.1`, such as the port of one stopped earlier.
    pub async fn start_on(port: u16) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            messages: Mutex::new(Vec::new()),
            logins: Mutex::new(Vec::new()),
            reject_logins: AtomicBool::new(false),
            received: watch::Sender::new(0),
        });
        let task = tokio::spawn(accept(listener, Arc::clone(&shared)));
        Ok(Self {
            addr,
            shared,
            task: Some(task),
        })
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `smtp://127.0.0.1:PORT`, for `mail.smtp_url`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port())
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        lock(&self.shared.messages).clone()
    }

    /// The user names of the successful logins so far.
    pub fn logins(&self) -> Vec<String> {
        lock(&self.shared.logins).clone()
    }

    /// Refuses (`535`) every login from now on, or accepts them again.
    pub fn reject_logins(&self, reject: bool) {
        self.shared.reject_logins.store(reject, Ordering::SeqCst);
    }

    /// The first message, received before or within `timeout`, that `predicate` accepts.
    pub async fn wait_for(
        &self,
        predicate: impl Fn(&ReceivedMail) -> bool,
        timeout: Duration,
    ) -> Option<ReceivedMail> {
        let mut received = self.shared.received.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(found) = lock(&self.shared.messages).iter().find(|m| predicate(m)) {
                return Some(found.clone());
            }
            match tokio::time::timeout_at(deadline, received.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) | Err(_) => return None,
            }
        }
    }

    /// Stops listening and drops open connections, as a mail server that went down; returns
    /// the port, for [`SmtpSink::start_on`].
    pub async fn stop(mut self) -> u16 {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
        self.port()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Serves connections until aborted; aborting drops the set, which aborts every session.
async fn accept(listener: TcpListener, shared: Arc<Shared>) {
    let mut sessions = JoinSet::new();
    loop {
        if let Ok((stream, _)) = listener.accept().await {
            sessions.spawn(session(stream, Arc::clone(&shared)));
        }
        while sessions.try_join_next().is_some() {}
    }
}

/// The envelope being built between `MAIL FROM` and the end of `DATA`.
#[derive(Default)]
struct Envelope {
    from: Option<String>,
    to: Vec<String>,
}

async fn session(stream: TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    write
        .write_all(b"220 127.0.0.1 Rampart SMTP sink\r\n")
        .await?;
    let mut envelope = Envelope::default();
    while let Some(line) = read_line(&mut reader).await? {
        let (verb, argument) = line.split_once(' ').unwrap_or((line.as_str(), ""));
        let reply: String = match verb.to_ascii_uppercase().as_str() {
            "EHLO" => {
                envelope = Envelope::default();
                "250-127.0.0.1\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-AUTH PLAIN LOGIN\r\n250 SIZE 10485760".into()
            }
            "HELO" => "250 127.0.0.1".into(),
            "MAIL" => match path(argument, "FROM:") {
                Some(from) => {
                    envelope = Envelope {
                        from: Some(from),
                        to: Vec::new(),
                    };
                    "250 2.1.0 ok".into()
                }
                None => "501 5.5.4 syntax: MAIL FROM:<address>".into(),
            },
            "RCPT" => match path(argument, "TO:") {
                _ if envelope.from.is_none() => "503 5.5.1 MAIL first".into(),
                Some(to) => {
                    envelope.to.push(to);
                    "250 2.1.5 ok".into()
                }
                None => "501 5.5.4 syntax: RCPT TO:<address>".into(),
            },
            "DATA" if envelope.to.is_empty() => "503 5.5.1 RCPT first".into(),
            "DATA" => {
                write
                    .write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let data = read_data(&mut reader).await?;
                let envelope = std::mem::take(&mut envelope);
                let mail = ReceivedMail {
                    from: envelope.from.unwrap_or_default(),
                    to: envelope.to,
                    data,
                };
                lock(&shared.messages).push(mail);
                shared.received.send_modify(|count| *count += 1);
                "250 2.0.0 queued".into()
            }
            "RSET" => {
                envelope = Envelope::default();
                "250 2.0.0 ok".into()
            }
            "NOOP" => "250 2.0.0 ok".into(),
            "QUIT" => {
                write.write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(());
            }
            "AUTH" => auth(&mut reader, &mut write, argument, &shared).await?,
            "STARTTLS" => "454 4.7.0 tls not available".into(),
            _ => "502 5.5.2 command not recognised".into(),
        };
        write.write_all(format!("{reply}\r\n").as_bytes()).await?;
    }
    Ok(())
}

/// The address in `FROM:<a@b> BODY=8BITMIME`, or `""` for the null sender `<>`.
fn path(argument: &str, keyword: &str) -> Option<String> {
    let head = argument.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = argument.get(keyword.len()..)?.trim_start();
    let inner = rest.strip_prefix('<')?;
    let end = inner.find('>')?;
    inner.get(..end).map(str::to_owned)
}

/// `AUTH PLAIN [initial]` or `AUTH LOGIN [user]`; returns the final reply.
async fn auth<R, W>(
    reader: &mut R,
    write: &mut W,
    argument: &str,
    shared: &Shared,
) -> std::io::Result<String>
where
    R: AsyncBufReadExt + Unpin,
    W: AsyncWriteExt + Unpin,
{
    let (mechanism, initial) = argument.split_once(' ').unwrap_or((argument, ""));
    let mut ask = async |challenge: &str| -> std::io::Result<String> {
        write
            .write_all(format!("334 {challenge}\r\n").as_bytes())
            .await?;
        Ok(read_line(reader).await?.unwrap_or_default())
    };
    let user = match mechanism.to_ascii_uppercase().as_str() {
        "PLAIN" => {
            let response = if initial.is_empty() {
                ask("").await?
            } else {
                initial.to_owned()
            };
            // authorisation id NUL user NUL password
            decode_text(&response).and_then(|t| t.split('\0').nth(1).map(str::to_owned))
        }
        "LOGIN" => {
            let user = if initial.is_empty() {
                ask("VXNlcm5hbWU6").await?
            } else {
                initial.to_owned()
            };
            let _password = ask("UGFzc3dvcmQ6").await?;
            decode_text(&user)
        }
        _ => return Ok("504 5.5.4 mechanism not supported".into()),
    };
    match user {
        Some(_) if shared.reject_logins.load(Ordering::SeqCst) => {
            Ok("535 5.7.8 authentication credentials invalid".into())
        }
        Some(user) => {
            lock(&shared.logins).push(user);
            Ok("235 2.7.0 authentication succeeded".into())
        }
        None => Ok("501 5.5.2 cannot decode the response".into()),
    }
}

fn decode_text(base64: &str) -> Option<String> {
    decode_base64(base64).and_then(|bytes| String::from_utf8(bytes).ok())
}

/// One line without its line end; `None` at the end of the stream.
async fn read_line<R: AsyncBufReadExt + Unpin>(reader: &mut R) -> std::io::Result<Option<String>> {
    let mut bytes = Vec::new();
    let read = reader.take(MAX_LINE).read_until(b'\n', &mut bytes).await?;
    if read == 0 {
        return Ok(None);
    }
    while bytes.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        bytes.pop();
    }
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

/// The lines of `DATA` up to the lone `.`, dot-unstuffed, joined with `\r\n`.
async fn read_data<R: AsyncBufReadExt + AsyncRead + Unpin>(
    reader: &mut R,
) -> std::io::Result<String> {
    let mut data = String::new();
    loop {
        let Some(line) = read_line(reader).await? else {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        };
        if line == "." {
            return Ok(data);
        }
        data.push_str(line.strip_prefix('.').unwrap_or(&line));
        data.push_str("\r\n");
        if data.len() > MAX_MESSAGE {
            return Err(std::io::ErrorKind::InvalidData.into());
        }
    }
}
