//! A presented bearer token: parsing never panics, and whatever parses is a well-formed
//! token whose hint is its last four characters.
#![no_main]

use libfuzzer_sys::fuzz_target;
use private_integrations::domain::token::{TOKEN_LEN, TokenSecret};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(token) = TokenSecret::parse(text)
    {
        assert_eq!(token.expose().len(), TOKEN_LEN);
        assert!(token.expose().starts_with("pit-"));
        assert_eq!(token.last4(), &text[text.len() - 4..]);
    }
});
