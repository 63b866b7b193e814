//! A message as the SMTP sink received it, and just enough MIME to read it back: unfolded
//! headers, RFC 2047 encoded words in the subject, and quoted-printable or base64 bodies.

/// One message accepted by the sink: the envelope and the raw data after dot-unstuffing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

impl ReceivedMail {
    /// The first header called `name` (case-insensitive), unfolded, still encoded.
    pub fn header(&self, name: &str) -> Option<String> {
        let (head, _) = split(&self.data);
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.split("\r\n").find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    }

    /// The subject, with encoded words decoded.
    pub fn subject(&self) -> Option<String> {
        self.header("Subject").map(|s| decode_words(&s))
    }

    /// The body, decoded according to its `Content-Transfer-Encoding`, with `\n` line ends.
    pub fn body(&self) -> String {
        let (_, body) = split(&self.data);
        let encoding = self
            .header("Content-Transfer-Encoding")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let bytes = match encoding.as_str() {
            "quoted-printable" => decode_quoted_printable(body.as_bytes(), false),
            "base64" => decode_base64(body).unwrap_or_else(|| body.as_bytes().to_vec()),
            _ => body.as_bytes().to_vec(),
        };
        String::from_utf8_lossy(&bytes).replace("\r\n", "\n")
    }
}

fn split(data: &str) -> (&str, &str) {
    data.split_once("\r\n\r\n").unwrap_or((data, ""))
}

/// Decodes RFC 2047 words such as `=?utf-8?b?w6k=?=`; the space between two words goes.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut previous_was_word = false;
    for (i, token) in value.split(' ').enumerate() {
        match decode_word(token) {
            Some(text) => {
                if i > 0 && !previous_was_word {
                    out.push(' ');
                }
                out.push_str(&text);
                previous_was_word = true;
            }
            None => {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(token);
                previous_was_word = false;
            }
        }
    }
    out
}

fn decode_word(token: &str) -> Option<String> {
    let inner = token.strip_prefix("=?")?.strip_suffix("?=")?;
    let mut parts = inner.splitn(3, '?');
    let (_charset, encoding, text) = (parts.next()?, parts.next()?, parts.next()?);
    let bytes = match encoding {
        "b" | "B" => decode_base64(text)?,
        "q" | "Q" => decode_quoted_printable(text.as_bytes(), true),
        _ => return None,
    };
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// Quoted-printable (RFC 2045 6.7); in encoded words (`q_is_space`) `_` stands for a space.
fn decode_quoted_printable(input: &[u8], q_is_space: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&byte) = input.get(i) {
        match byte {
            b'=' if input.get(i + 1..i + 3) == Some(b"\r\n") => i += 3,
            b'=' if input.get(i + 1) == Some(&b'\n') => i += 2,
            b'=' => match input.get(i + 1..i + 3).and_then(hex_byte) {
                Some(decoded) => {
                    out.push(decoded);
                    i += 3;
                }
                None => {
                    out.push(b'=');
                    i += 1;
                }
            },
            b'_' if q_is_space => {
                out.push(b' ');
                i += 1;
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    out
}

fn hex_byte(pair: &[u8]) -> Option<u8> {
    let text = std::str::from_utf8(pair).ok()?;
    u8::from_str_radix(text, 16).ok()
}

/// Standard base64, whitespace ignored.
pub(super) fn decode_base64(input: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for byte in input
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b'=')
    {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_subjects_and_bodies_read_back_as_text() {
        assert_eq!(decode_words("=?utf-8?b?w6l0w6k=?="), "été");
        assert_eq!(
            decode_words("Hello =?utf-8?q?w=C3=B6rld?= !"),
            "Hello wörld !"
        );
        assert_eq!(decode_words("=?utf-8?b?w6k=?= =?utf-8?b?w6k=?="), "éé");
        assert_eq!(decode_words("plain subject"), "plain subject");
        assert_eq!(
            decode_quoted_printable(b"caf=C3=A9 =\r\nlink?a=3Db", false),
            "café link?a=b".as_bytes()
        );
        assert_eq!(
            decode_base64("aGVsbG8gd29y\r\nbGQ=").unwrap(),
            b"hello world"
        );
    }
}
