//! The secrets of the dashboard's sign-in (`web.rs`): a link's token and a session's cookie are
//! each a *selector* (8 random bytes, the row's key) and a *verifier* (16 random bytes, 128
//! bits), written as 48 hexadecimal digits. Both come from the operating system's random
//! numbers (`ring::rand::SystemRandom`); only the SHA-256 of the verifier is stored, and it is
//! compared in constant time (`subtle`), so neither a copy of the database nor the time a
//! comparison takes gives a token away.

use ring::rand::{SecureRandom, SystemRandom};
use subtle::ConstantTimeEq;

const SELECTOR_BYTES: usize = 8;
const VERIFIER_BYTES: usize = 16;
/// The length of a token as written: two hexadecimal digits a byte.
pub const TOKEN_LEN: usize = 2 * (SELECTOR_BYTES + VERIFIER_BYTES);

/// A new secret: what is handed out (`token`, once) and what is stored.
pub(super) struct Secret {
    pub token: String,
    pub selector: String,
    pub verifier_hash: Vec<u8>,
}

/// A new random secret; `None` if the operating system gave no random numbers.
pub(super) fn new_secret() -> Option<Secret> {
    let mut bytes = [0u8; SELECTOR_BYTES + VERIFIER_BYTES];
    SystemRandom::new().fill(&mut bytes).ok()?;
    let token = hex(&bytes);
    let (selector, verifier) = token.split_at(2 * SELECTOR_BYTES);
    Some(Secret {
        selector: selector.to_string(),
        verifier_hash: digest(verifier),
        token,
    })
}

/// A random string for a form's CSRF token (16 bytes, hexadecimal).
pub(super) fn new_csrf() -> Option<String> {
    let mut bytes = [0u8; VERIFIER_BYTES];
    SystemRandom::new().fill(&mut bytes).ok()?;
    Some(hex(&bytes))
}

/// A token as given (in a link or a cookie) split into its selector and verifier; `None` for
/// anything that is not 48 lowercase hexadecimal digits.
pub(super) fn split(token: &str) -> Option<(&str, &str)> {
    let well_formed =
        token.len() == TOKEN_LEN && token.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    well_formed.then(|| token.split_at(2 * SELECTOR_BYTES))
}

/// Whether `verifier` is the one whose hash is `stored`, in constant time.
pub(super) fn verifies(verifier: &str, stored: &[u8]) -> bool {
    digest(verifier).as_slice().ct_eq(stored).into()
}

/// Two texts (a form's CSRF token and the session's) compared in constant time for equal
/// lengths.
pub fn same(given: &str, expected: &str) -> bool {
    given.as_bytes().ct_eq(expected.as_bytes()).into()
}

fn digest(verifier: &str) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes())
        .as_ref()
        .to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_verifies_itself_only() {
        let secret = new_secret().expect("random");
        let (selector, verifier) = split(&secret.token).expect("well formed");
        assert_eq!(selector, secret.selector);
        assert!(verifies(verifier, &secret.verifier_hash));
        let other = new_secret().expect("random");
        assert_ne!(secret.token, other.token);
        let (_, other_verifier) = split(&other.token).expect("well formed");
        assert!(!verifies(other_verifier, &secret.verifier_hash));
        assert!(
            !secret.token.contains(&hex(&secret.verifier_hash)),
            "the hash is not the token"
        );
    }

    #[test]
    fn only_48_lowercase_hex_digits_are_a_token() {
        let good = "0123456789abcdef".repeat(3);
        assert!(split(&good).is_some());
        for bad in [
            String::new(),
            good.to_uppercase(),
            format!("{good}0"),
            good[1..].to_string(),
            format!("{}g", &good[1..]),
            format!("{}あ", &good[3..]),
        ] {
            assert!(split(&bad).is_none(), "{bad:?}");
        }
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "abcd"));
    }
}
