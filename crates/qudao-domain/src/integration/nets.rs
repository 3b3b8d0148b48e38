//! Which addresses a webhook endpoint may point at.
//!
//! A webhook URL is typed by an admin but fetched by the server, from inside the brand's network:
//! left unchecked it would let anyone with that permission reach the database port, a cloud
//! metadata service or an intranet page (server-side request forgery). Endpoints must therefore
//! resolve to public addresses, unless an admin allows private networks by name (on-premise ERPs
//! live there), e.g. `QUDAO_WEBHOOK_ALLOW_NETS=127.0.0.0/8,10.0.0.0/8`. The check runs on every
//! address the name resolves to, before any connection is made.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What kind of address a target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetClass {
    /// Reachable on the internet.
    Public,
    /// Private ranges: 10/8, 172.16/12, 192.168/16, 100.64/10 (carrier-grade NAT), fc00::/7.
    Private,
    /// This machine: 127/8, ::1.
    Loopback,
    /// Link-local, cloud metadata services among them: 169.254/16, fe80::/10.
    LinkLocal,
    /// Never a webhook target: unspecified, broadcast, multicast, documentation and reserved
    /// ranges.
    Special,
}

/// Classifies `ip`; an IPv4 address written as IPv6 (`::ffff:a.b.c.d`, or NAT64's
/// `64:ff9b::a.b.c.d`) is classified as the IPv4 address it carries.
pub fn classify(ip: IpAddr) -> TargetClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> TargetClass {
    let [a, b, c, _] = ip.octets();
    if ip.is_loopback() {
        TargetClass::Loopback
    } else if ip.is_link_local() {
        TargetClass::LinkLocal
    } else if ip.is_private() || (a == 100 && (64..128).contains(&b)) {
        TargetClass::Private
    } else if a == 0
        || ip.is_broadcast()
        || ip.is_multicast()
        || a >= 240
        || (a, b, c) == (192, 0, 2)
        || (a, b, c) == (198, 51, 100)
        || (a, b, c) == (203, 0, 113)
        || (a, b, c) == (192, 0, 0)
        || (a == 198 && (b == 18 || b == 19))
    {
        TargetClass::Special
    } else {
        TargetClass::Public
    }
}

fn classify_v6(ip: Ipv6Addr) -> TargetClass {
    let segments = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [_, _, _, _, _, _, high, low] = segments;
        return classify_v4(Ipv4Addr::from((u32::from(high) << 16) | u32::from(low)));
    }
    if ip.is_loopback() {
        TargetClass::Loopback
    } else if segments[0] & 0xffc0 == 0xfe80 {
        TargetClass::LinkLocal
    } else if segments[0] & 0xfe00 == 0xfc00 {
        TargetClass::Private
    } else if ip.is_unspecified() || ip.is_multicast() || segments[..2] == [0x2001, 0x0db8] {
        TargetClass::Special
    } else {
        TargetClass::Public
    }
}

/// A network: an address and a prefix length (`10.0.0.0/8`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `a.b.c.d/n` or `x::y/n`; a bare address is a network of one.
    pub fn parse(text: &str) -> Option<Cidr> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix.trim().parse::<u8>().ok()?)),
            None => (text, None),
        };
        let network: IpAddr = address.trim().parse().ok()?;
        let width = if network.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(width);
        (prefix <= width).then_some(Cidr { network, prefix })
    }

    /// Whether `ip` is inside this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// The private networks an admin allowed webhook endpoints in; empty by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedNets(Vec<Cidr>);

impl AllowedNets {
    /// Parses a comma-separated list (`127.0.0.0/8,10.0.0.0/8`); the entries that do not parse
    /// are returned as the error, so the admin sees every one.
    pub fn parse(list: &str) -> Result<AllowedNets, Vec<String>> {
        let mut nets = Vec::new();
        let mut bad = Vec::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            match Cidr::parse(entry) {
                Some(cidr) => nets.push(cidr),
                None => bad.push(entry.to_string()),
            }
        }
        if bad.is_empty() { Ok(AllowedNets(nets)) } else { Err(bad) }
    }

    /// The list as it is written in the setting (`10.0.0.0/8,127.0.0.1/32`).
    pub fn to_text(&self) -> String {
        self.0.iter().map(Cidr::to_string).collect::<Vec<_>>().join(",")
    }

    /// Both lists together: the server's (`QUDAO_WEBHOOK_ALLOW_NETS`) and the console's.
    pub fn union(&self, other: &AllowedNets) -> AllowedNets {
        let mut nets = self.0.clone();
        nets.extend(other.0.iter().filter(|net| !self.0.contains(net)).cloned());
        AllowedNets(nets)
    }

    /// Whether no network is allowed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether a webhook may be sent to `ip`: public addresses always; private, loopback and
    /// link-local ones only inside an allowed network; special ones never.
    pub fn permits(&self, ip: IpAddr) -> bool {
        match classify(ip) {
            TargetClass::Public => true,
            TargetClass::Special => false,
            TargetClass::Private | TargetClass::Loopback | TargetClass::LinkLocal => {
                self.0.iter().any(|net| net.contains(ip))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn addresses_are_classified() {
        for (text, class) in [
            ("8.8.8.8", TargetClass::Public),
            ("1.1.1.1", TargetClass::Public),
            ("2606:4700::1111", TargetClass::Public),
            ("10.1.2.3", TargetClass::Private),
            ("172.16.0.1", TargetClass::Private),
            ("172.31.255.255", TargetClass::Private),
            ("172.32.0.1", TargetClass::Public),
            ("192.168.1.1", TargetClass::Private),
            ("100.64.0.1", TargetClass::Private),
            ("100.128.0.1", TargetClass::Public),
            ("fd12:3456::1", TargetClass::Private),
            ("127.0.0.1", TargetClass::Loopback),
            ("127.9.9.9", TargetClass::Loopback),
            ("::1", TargetClass::Loopback),
            ("169.254.169.254", TargetClass::LinkLocal),
            ("fe80::1", TargetClass::LinkLocal),
            ("0.0.0.0", TargetClass::Special),
            ("::", TargetClass::Special),
            ("255.255.255.255", TargetClass::Special),
            ("224.0.0.1", TargetClass::Special),
            ("ff02::1", TargetClass::Special),
            ("192.0.2.10", TargetClass::Special),
            ("2001:db8::1", TargetClass::Special),
            ("240.0.0.1", TargetClass::Special),
        ] {
            assert_eq!(classify(ip(text)), class, "{text}");
        }
    }

    #[test]
    fn ipv4_written_as_ipv6_is_judged_as_ipv4() {
        assert_eq!(classify(ip("::ffff:127.0.0.1")), TargetClass::Loopback);
        assert_eq!(classify(ip("::ffff:169.254.169.254")), TargetClass::LinkLocal);
        assert_eq!(classify(ip("64:ff9b::10.0.0.1")), TargetClass::Private);
        assert_eq!(classify(ip("::ffff:8.8.8.8")), TargetClass::Public);
    }

    #[test]
    fn networks_parse_and_contain() {
        let ten = Cidr::parse("10.0.0.0/8").expect("cidr");
        assert!(ten.contains(ip("10.255.0.1")));
        assert!(!ten.contains(ip("11.0.0.1")));
        assert!(!ten.contains(ip("::ffff:10.0.0.1")), "families do not mix");
        let everything = Cidr::parse("0.0.0.0/0").expect("cidr");
        assert!(everything.contains(ip("192.168.1.1")));
        let one = Cidr::parse("192.168.1.5").expect("cidr");
        assert!(one.contains(ip("192.168.1.5")) && !one.contains(ip("192.168.1.6")));
        let v6 = Cidr::parse("fd00::/8").expect("cidr");
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        for bad in ["10.0.0.0/33", "fd00::/129", "10.0.0/8", "host.example/8", "10.0.0.0/x", ""] {
            assert_eq!(Cidr::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_public_targets_pass_unless_a_network_is_allowed() {
        let none = AllowedNets::default();
        assert!(none.permits(ip("8.8.8.8")));
        for refused in ["127.0.0.1", "10.0.0.5", "169.254.169.254", "::1", "fd00::1", "0.0.0.0"] {
            assert!(!none.permits(ip(refused)), "{refused}");
        }
        let allowed = AllowedNets::parse("127.0.0.0/8, 10.0.0.0/8").expect("list");
        assert!(allowed.permits(ip("127.0.0.1")));
        assert!(allowed.permits(ip("10.20.30.40")));
        assert!(!allowed.permits(ip("192.168.1.1")), "only the networks named");
        assert!(!allowed.permits(ip("169.254.169.254")));
        let all = AllowedNets::parse("0.0.0.0/0").expect("list");
        assert!(!all.permits(ip("0.0.0.0")), "special addresses are never targets");
        assert!(!all.permits(ip("255.255.255.255")));
    }

    #[test]
    fn a_bad_list_names_every_bad_entry() {
        assert_eq!(AllowedNets::parse("10.0.0.0/8,nope,300.1.1.1"), Err(vec!["nope".into(), "300.1.1.1".into()]));
        assert_eq!(AllowedNets::parse(""), Ok(AllowedNets::default()));
        assert_eq!(AllowedNets::parse(" , "), Ok(AllowedNets::default()));
    }
}
