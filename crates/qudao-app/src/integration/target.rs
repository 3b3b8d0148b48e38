//! Where a webhook may be sent: the URL's form when an admin saves it, and every address its
//! name resolves to when a delivery connects.
//!
//! The check on connecting sits in the HTTP client's resolver, so the addresses checked are the
//! addresses connected to: a name that resolved to a public address when the endpoint was
//! saved and to `10.0.0.5` today (DNS rebinding) is refused today, before any connection.
//! Redirects are not followed and no proxy is used, for the same reason.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use qudao_domain::FieldError;
use qudao_domain::integration::AllowedNets;
use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Why a target was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Not an http(s) URL with a host.
    #[error("not an http or https URL")]
    Malformed,
    /// The host is, or resolves to, an address outside what is allowed.
    #[error("{0} is a private, loopback, link-local or reserved address not in an allowed network")]
    Address(IpAddr),
    /// The name did not resolve.
    #[error("the name did not resolve: {0}")]
    Unresolved(String),
}

/// Parses an endpoint URL as an admin typed it: http or https, a host, no user name or password
/// (they would be sent in the clear in logs and headers), at most 2,000 characters.
pub fn parse_url(field: &str, text: &str) -> Result<Url, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(FieldError::new(field, "required"));
    }
    if text.chars().count() > 2_000 {
        return Err(FieldError::with_param(field, "too_long", 2_000));
    }
    let url = Url::parse(text).map_err(|_| FieldError::new(field, "invalid_url"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(FieldError::new(field, "invalid_url"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(FieldError::new(field, "url_credentials"));
    }
    Ok(url)
}

/// The address written in the URL, when its host is one (`http://10.0.0.5/…`, `http://[::1]/…`).
pub fn literal_address(url: &Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        url::Host::Domain(_) => None,
    }
}

/// Checks a URL against the allowed networks: its literal address, or every address its name
/// resolves to now (within three seconds). A name that does not resolve passes — the ERP may be
/// down when the endpoint is saved — and is checked again on every delivery.
pub async fn check_url(url: &Url, allowed: &AllowedNets) -> Result<(), Refused> {
    if let Some(ip) = literal_address(url) {
        return if allowed.permits(ip) { Ok(()) } else { Err(Refused::Address(ip)) };
    }
    let Some(host) = url.host_str() else { return Err(Refused::Malformed) };
    let port = url.port_or_known_default().unwrap_or(443);
    let lookup = tokio::time::timeout(Duration::from_secs(3), tokio::net::lookup_host((host, port))).await;
    if let Ok(Ok(addresses)) = lookup {
        for address in addresses {
            if !allowed.permits(address.ip()) {
                return Err(Refused::Address(address.ip()));
            }
        }
    }
    Ok(())
}

/// The allowed networks as the delivery worker last read them (the server's list and the
/// console's), shared with the resolver.
pub type SharedNets = Arc<RwLock<AllowedNets>>;

/// A resolver that refuses a name when any of its addresses is not allowed — all of them, not
/// just the first, so that no address family or ordering trick reaches a refused one.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    nets: SharedNets,
}

impl GuardedResolver {
    /// A resolver checking against `nets`.
    pub fn new(nets: SharedNets) -> GuardedResolver {
        GuardedResolver { nets }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let nets = Arc::clone(&self.nets);
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|e| Box::new(Refused::Unresolved(e.to_string())) as Box<dyn std::error::Error + Send + Sync>)?
                .collect();
            let allowed = nets.read().map(|n| n.clone()).unwrap_or_default();
            if let Some(bad) = addresses.iter().find(|a| !allowed.permits(a.ip())) {
                return Err(Box::new(Refused::Address(bad.ip())) as Box<dyn std::error::Error + Send + Sync>);
            }
            if addresses.is_empty() {
                return Err(Box::new(Refused::Unresolved(host)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(addresses.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_http_with_a_host_and_no_credentials() {
        assert!(parse_url("url", "https://erp.example.com/hooks/qudao").is_ok());
        assert!(parse_url("url", " http://10.1.2.3:8080/in ").is_ok());
        assert_eq!(parse_url("url", "").unwrap_err().code, "required");
        assert_eq!(parse_url("url", "ftp://erp.example.com/").unwrap_err().code, "invalid_url");
        assert_eq!(parse_url("url", "erp.example.com/hook").unwrap_err().code, "invalid_url");
        assert_eq!(parse_url("url", "https://u:p@erp.example.com/").unwrap_err().code, "url_credentials");
        assert_eq!(parse_url("url", &format!("https://e.com/{}", "a".repeat(2_000))).unwrap_err().code, "too_long");
    }

    #[tokio::test]
    async fn literal_private_addresses_need_an_allowed_network() {
        let none = AllowedNets::default();
        let lab = AllowedNets::parse("127.0.0.0/8").unwrap();
        let local = parse_url("url", "http://127.0.0.1:9/x").unwrap();
        assert_eq!(check_url(&local, &none).await, Err(Refused::Address("127.0.0.1".parse().unwrap())));
        assert_eq!(check_url(&local, &lab).await, Ok(()));
        let metadata = parse_url("url", "http://169.254.169.254/latest/meta-data").unwrap();
        assert!(check_url(&metadata, &lab).await.is_err(), "link-local is not in 127/8");
        let mapped = parse_url("url", "http://[::ffff:10.0.0.1]/").unwrap();
        assert!(check_url(&mapped, &lab).await.is_err());
        let public = parse_url("url", "https://1.1.1.1/").unwrap();
        assert_eq!(check_url(&public, &none).await, Ok(()));
    }

    #[tokio::test]
    async fn the_resolver_refuses_a_name_with_any_refused_address() {
        let resolver = GuardedResolver::new(Arc::new(RwLock::new(AllowedNets::default())));
        let name: Name = "localhost".parse().unwrap();
        assert!(resolver.resolve(name).await.is_err(), "localhost is loopback");
        let allowed = GuardedResolver::new(Arc::new(RwLock::new(AllowedNets::parse("127.0.0.0/8,::1/128").unwrap())));
        let name: Name = "localhost".parse().unwrap();
        let addresses: Vec<SocketAddr> = allowed.resolve(name).await.unwrap().collect();
        assert!(addresses.iter().all(|a| a.ip().is_loopback()), "{addresses:?}");
    }
}
