//! The contacts pages in Chromium.
