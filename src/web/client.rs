//! Facts about the calling client.

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::web::Data;

use crate::app::App;

/// Whether the TCP peer is one of the `TRUSTED_PROXIES`, whose forwarding headers
/// (`X-Forwarded-For`, `-Host`, `-Proto`, `Forwarded`) may be believed.
pub fn from_trusted_proxy(req: &HttpRequest) -> bool {
    let Some(peer) = req.peer_addr().map(|addr| addr.ip()) else { return false };
    req.app_data::<Data<App>>()
        .is_some_and(|app| app.config.trusted_proxies.iter().any(|net| net.contains(&peer)))
}

/// The origin (`scheme://host[:port]`) the request was addressed to: as a trusted proxy
/// forwards it, else as the client sent it to us (plain HTTP, its `Host` header).
pub fn addressed_origin(req: &HttpRequest) -> String {
    if from_trusted_proxy(req) {
        let info = req.connection_info();
        return format!("{}://{}", info.scheme(), info.host());
    }
    let host =
        req.headers().get(actix_web::http::header::HOST).and_then(|value| value.to_str().ok()).unwrap_or("");
    format!("http://{host}")
}

/// The client's IP address. It is the TCP peer, unless the peer is one of the
/// `TRUSTED_PROXIES`: then `X-Forwarded-For` is read from the right, skipping trusted
/// proxies, and the first address not trusted is the client. A client cannot choose its
/// address by sending the header itself, since only a trusted peer's header is read.
pub fn ip(req: &HttpRequest) -> String {
    let Some(peer) = req.peer_addr().map(|addr| addr.ip()) else { return "unknown".to_owned() };
    let trusted = req.app_data::<Data<App>>().map_or(&[][..], |app| app.config.trusted_proxies.as_slice());
    if !trusted.iter().any(|net| net.contains(&peer)) {
        // An untrusted peer's forwarding header does not count: no need to look for one.
        return text(peer);
    }
    text(client_address(
        peer,
        req.headers().get_all("x-forwarded-for").filter_map(|value| value.to_str().ok()),
        trusted,
    ))
}

/// An address as `Display` writes it. Every API call names its client, and an IPv4
/// address written digit by digit costs a tenth of `to_string` (which goes through
/// `fmt`'s machinery twice, for padding).
fn text(ip: IpAddr) -> String {
    let IpAddr::V4(v4) = ip else { return ip.to_string() };
    let mut text = String::with_capacity(15);
    for (index, octet) in v4.octets().into_iter().enumerate() {
        if index > 0 {
            text.push('.');
        }
        super::pages::push_decimal(&mut text, u32::from(octet), 1);
    }
    text
}

/// The client among `peer` and the `X-Forwarded-For` headers, given the trusted proxies.
fn client_address<'a>(
    peer: IpAddr,
    forwarded: impl Iterator<Item = &'a str>,
    trusted: &[ipnet::IpNet],
) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<IpAddr> =
        forwarded.flat_map(|header| header.split(',')).filter_map(|hop| hop.trim().parse().ok()).collect();
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        client = hop;
        if !is_trusted(&hop) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    #[test]
    fn addresses_are_written_as_display_writes_them() {
        let octets = [0, 1, 9, 10, 42, 99, 100, 101, 199, 200, 255];
        for a in octets {
            for b in octets {
                let v4 = IpAddr::from([a, b, 255 - a, 9]);
                assert_eq!(text(v4), v4.to_string());
            }
        }
        for v6 in ["::1", "2001:db8::8a2e:370:7334", "::ffff:192.0.2.1"] {
            assert_eq!(text(ip(v6)), v6);
        }
    }

    #[test]
    fn only_a_trusted_peers_forwarded_for_is_believed() {
        let trusted = ["10.0.0.0/8".parse().expect("cidr")];
        let header = ["203.0.113.9, 10.0.0.5"];
        assert_eq!(client_address(ip("10.0.0.2"), header.into_iter(), &trusted), ip("203.0.113.9"));
        assert_eq!(client_address(ip("198.51.100.1"), header.into_iter(), &trusted), ip("198.51.100.1"));
        // A client sending its own header: the proxy appends the real address last.
        let spoofed = ["1.2.3.4, 203.0.113.9"];
        assert_eq!(client_address(ip("10.0.0.2"), spoofed.into_iter(), &trusted), ip("203.0.113.9"));
        assert_eq!(client_address(ip("10.0.0.2"), std::iter::empty(), &trusted), ip("10.0.0.2"));
    }
}
