//! Webhook endpoints (SPEC §10): their URL, their signing secret, the Standard Webhooks
//! signature, when a failed delivery is tried again, and which addresses are off limits.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac as _};
use sha2::Sha256;

use chrono::{DateTime, Utc};

use super::events::EventKind;
use super::ids::EndpointId;
use super::integration::Owner;
use super::random::Randomness;

/// How long one attempt may take, connection included.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// How much of a response body the delivery log keeps.
pub const RESPONSE_BYTES: usize = 1024;

/// How long an endpoint may fail every attempt before it is disabled.
pub const FAILING_LIMIT_HOURS: i64 = 24;

/// How long the secret before a rotation keeps signing alongside the new one.
pub const PREVIOUS_SECRET_HOURS: i64 = 24;

/// The wait after each failed attempt (Standard Webhooks' suggested schedule): the eighth
/// attempt comes about 27.6 hours after the first, and is the last.
const RETRY_AFTER: [Duration; 7] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(10 * 3600),
];

/// Attempts at one delivery before it is given up.
pub const MAX_ATTEMPTS: u32 = RETRY_AFTER.len() as u32 + 1;

/// When to try again after `attempts` failed attempts, or `None` to give up.
pub fn retry_after(attempts: u32) -> Option<Duration> {
    let index = usize::try_from(attempts).ok()?.checked_sub(1)?;
    RETRY_AFTER.get(index).copied()
}

/// Why an endpoint's URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Not a URL at all, or not http(s).
    #[error("Enter a URL that starts with https:// (or http://).")]
    Invalid,
    /// Longer than we store.
    #[error("The URL is too long (2,000 characters at most).")]
    TooLong,
    /// Credentials in the URL would be stored and shown.
    #[error("Leave the user name and password out of the URL.")]
    Credentials,
    /// A fragment is never sent.
    #[error("Leave the #fragment out of the URL; it is never sent.")]
    Fragment,
}

/// An endpoint's URL: http(s), with a host, without credentials or fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointUrl(url::Url);

impl EndpointUrl {
    /// Parses what a person typed (surrounding spaces ignored).
    pub fn parse(input: &str) -> Result<Self, UrlError> {
        let input = input.trim();
        if input.len() > 2000 {
            return Err(UrlError::TooLong);
        }
        let url = url::Url::parse(input).map_err(|_| UrlError::Invalid)?;
        if !matches!(url.scheme(), "https" | "http") || url.host().is_none() {
            return Err(UrlError::Invalid);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(UrlError::Credentials);
        }
        if url.fragment().is_some() {
            return Err(UrlError::Fragment);
        }
        Ok(Self(url))
    }

    /// The URL.
    pub fn url(&self) -> &url::Url {
        &self.0
    }

    /// The URL as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The host's address when the URL names one directly (`http://10.0.0.1/`).
    pub fn literal_address(&self) -> Option<IpAddr> {
        match self.0.host()? {
            url::Host::Ipv4(address) => Some(IpAddr::V4(address)),
            url::Host::Ipv6(address) => Some(IpAddr::V6(address)),
            url::Host::Domain(_) => None,
        }
    }
}

/// Whether a delivery may connect to `address`: never to loopback, private, link-local
/// (cloud metadata lives at 169.254.169.254), shared, unspecified, multicast or otherwise
/// reserved ranges, nor to such an address wrapped in IPv6.
pub fn is_public(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(address: Ipv4Addr) -> bool {
    let [a, b, ..] = address.octets();
    !(address.is_loopback()
        || address.is_private()
        || address.is_link_local()
        || address.is_unspecified()
        || address.is_broadcast()
        || address.is_multicast()
        || address.is_documentation()
        || a == 0
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // IETF protocol assignments, 192.0.0.0/24.
        || (a == 192 && b == 0 && address.octets()[2] == 0)
        // Benchmarking, 198.18.0.0/15.
        || (a == 198 && (18..20).contains(&b))
        // Reserved, 240.0.0.0/4.
        || a >= 240)
}

fn is_public_v6(address: Ipv6Addr) -> bool {
    let segments = address.segments();
    let first = segments[0];
    // 6to4 (2002::/16) carries an IPv4 address, which decides.
    if first == 0x2002 {
        let [a, b] = segments[1].to_be_bytes();
        let [c, d] = segments[2].to_be_bytes();
        return is_public_v4(Ipv4Addr::new(a, b, c, d));
    }
    !(address.is_loopback()
        || address.is_unspecified()
        || address.is_multicast()
        // Unique local (fc00::/7: AWS metadata's fd00:ec2::254 among them).
        || (first & 0xfe00) == 0xfc00
        // Link-local, fe80::/10.
        || (first & 0xffc0) == 0xfe80
        // Site-local (deprecated), fec0::/10.
        || (first & 0xffc0) == 0xfec0
        // Documentation, 2001:db8::/32; Teredo, 2001::/32 (tunnels to IPv4).
        || (first == 0x2001 && matches!(segments[1], 0x0db8 | 0))
        // Discard-only, 100::/64.
        || (first == 0x0100 && segments[1..4] == [0, 0, 0])
        // NAT64 and IPv4-compatible forms would reach IPv4 addresses: refused.
        || first == 0x0064
        || address.to_ipv4().is_some())
}

/// An endpoint's signing secret: 32 random bytes, shown as `whsec_` + base64.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningSecret(Vec<u8>);

impl std::fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningSecret(…)")
    }
}

impl SigningSecret {
    /// A new secret.
    pub fn generate(random: &mut (impl Randomness + ?Sized)) -> Self {
        let mut bytes = vec![0; 32];
        random.fill(&mut bytes);
        Self(bytes)
    }

    /// A stored secret's bytes.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The bytes the HMAC key is made of.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// As the receiver configures it: `whsec_` + base64 (Standard Webhooks).
    pub fn reveal(&self) -> String {
        format!("whsec_{}", BASE64.encode(&self.0))
    }
}

/// One signature: `v1,` + base64(HMAC-SHA256(`{id}.{timestamp}.{body}`)).
pub fn sign(secret: &SigningSecret, id: &str, timestamp: i64, body: &str) -> String {
    #[expect(clippy::expect_used, reason = "HMAC accepts keys of any length")]
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.bytes()).expect("any key length");
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()))
}

/// The `webhook-signature` header: one signature per secret in use, space-separated (the
/// new secret first; during a rotation's overlap the previous one signs too).
pub fn signature_header(secrets: &[SigningSecret], id: &str, timestamp: i64, body: &str) -> String {
    secrets.iter().map(|secret| sign(secret, id, timestamp, body)).collect::<Vec<_>>().join(" ")
}

/// The `webhook-id` of an event: the same on every attempt and to every endpoint.
pub fn message_id(event_id: uuid::Uuid) -> String {
    format!("msg_{}", event_id.simple())
}

/// Why an endpoint gets no deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disabled {
    /// Someone clicked **Disable**.
    Manually,
    /// Every attempt failed for 24 hours.
    Failing,
}

/// A webhook endpoint of an agency or a sub-account.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Its id.
    pub id: EndpointId,
    /// Whose it is.
    pub owner: Owner,
    /// Where deliveries go.
    pub url: String,
    /// What it subscribes to.
    pub events: Vec<EventKind>,
    /// Since when, and why, it gets no deliveries.
    pub disabled: Option<(DateTime<Utc>, Disabled)>,
    /// Since when every attempt has failed.
    pub failing_since: Option<DateTime<Utc>>,
    /// Until when the secret before the last rotation signs too.
    pub previous_secret_until: Option<DateTime<Utc>>,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// Who added it.
    pub created_by_label: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_as_the_standard_webhooks_reference_does() {
        // The reference implementation's test vector (standard-webhooks, python and
        // javascript libraries): this secret, id, timestamp and body.
        let secret =
            SigningSecret::from_bytes(BASE64.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expect("base64"));
        let signature =
            sign(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, r#"{"test": 2432232314}"#);
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn a_rotation_signs_with_both_secrets() {
        let new = SigningSecret::from_bytes(vec![1; 32]);
        let old = SigningSecret::from_bytes(vec![2; 32]);
        let header = signature_header(&[new.clone(), old.clone()], "msg_1", 10, "{}");
        assert_eq!(header, format!("{} {}", sign(&new, "msg_1", 10, "{}"), sign(&old, "msg_1", 10, "{}")));
        assert!(new.reveal().starts_with("whsec_"));
        assert_eq!(format!("{new:?}"), "SigningSecret(…)");
    }

    #[test]
    fn retries_span_more_than_a_day_then_stop() {
        let waits: Vec<Duration> = (1..=7).map(|attempt| retry_after(attempt).expect("a retry")).collect();
        let total: Duration = waits.iter().sum();
        assert!(total >= Duration::from_secs(24 * 3600), "{total:?}");
        assert!(waits.windows(2).all(|pair| pair[0] <= pair[1]));
        assert_eq!(retry_after(8), None);
        assert_eq!(retry_after(0), None);
    }

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for refused in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "2002:a9fe:a9fe::1",
            "2001:0:4136:e378::1",
            "fec0::1",
            "100::1",
        ] {
            let address: IpAddr = refused.parse().expect("an address");
            assert!(!is_public(address), "{refused} must be refused");
        }
        for allowed in ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "2002:5db8:d822::1"] {
            let address: IpAddr = allowed.parse().expect("an address");
            assert!(is_public(address), "{allowed} must be allowed");
        }
    }

    #[test]
    fn urls_are_http_with_a_host_and_nothing_secret() {
        assert!(EndpointUrl::parse(" https://hooks.example.com/pi ").is_ok());
        assert_eq!(EndpointUrl::parse("ftp://example.com"), Err(UrlError::Invalid));
        assert_eq!(EndpointUrl::parse("example.com/hook"), Err(UrlError::Invalid));
        assert_eq!(EndpointUrl::parse("https://user:pw@example.com/"), Err(UrlError::Credentials));
        assert_eq!(EndpointUrl::parse("https://example.com/#top"), Err(UrlError::Fragment));
        let long = format!("https://example.com/{}", "a".repeat(2000));
        assert_eq!(EndpointUrl::parse(&long), Err(UrlError::TooLong));
        let literal = EndpointUrl::parse("http://[::1]:8080/").expect("a URL");
        assert_eq!(literal.literal_address(), Some(IpAddr::V6(Ipv6Addr::LOCALHOST)));
    }
}
