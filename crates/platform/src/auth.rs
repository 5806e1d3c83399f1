//! Authentication (bearer JWT) and authorisation (roles, unit scoping) for every RPC.
//!
//! Claims: `sub`, `agency`, `units[]`, `roles[]`, `exp`. Keys come from configuration: an HS256
//! secret, or a PEM public key for RS256/ES256 tokens from an identity provider. With neither,
//! the well-known local development secret is used so a local stack works without setup.

use std::{
    sync::Arc,
    time::{SystemTime, UNIX_EPOCH},
};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use tonic::{Request, Status};

use crate::config::AuthConfig;

/// Signing secret for local development only. Services warn at start when they fall back to it.
pub const LOCAL_DEV_SECRET: &str = "gatehouse-local-development-secret-do-not-use-in-production";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Pushes manifests and passenger data for its agency.
    Submitter,
    /// Maintains rules and watchlists, runs backtests.
    Analyst,
    /// Works the alerts of its units.
    Officer,
    /// Its units' reports, alert assignment.
    Supervisor,
    /// Reads the audit log.
    Auditor,
    Admin,
}

impl Role {
    pub fn parse(value: &str) -> Option<Role> {
        match value {
            "submitter" => Some(Role::Submitter),
            "analyst" => Some(Role::Analyst),
            "officer" => Some(Role::Officer),
            "supervisor" => Some(Role::Supervisor),
            "auditor" => Some(Role::Auditor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Submitter => "submitter",
            Role::Analyst => "analyst",
            Role::Officer => "officer",
            Role::Supervisor => "supervisor",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub agency: String,
    #[serde(default)]
    pub units: Vec<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    pub exp: u64,
    #[serde(default)]
    pub iat: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
}

/// The authenticated caller of an RPC.
#[derive(Debug, Clone)]
pub struct Caller {
    pub subject: String,
    pub agency: String,
    pub units: Vec<String>,
    pub roles: Vec<Role>,
}

impl Caller {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// `PERMISSION_DENIED` unless the caller holds one of `roles` (admin holds every role).
    pub fn require_any(&self, roles: &[Role]) -> Result<(), Status> {
        if self.has_role(Role::Admin) || roles.iter().any(|r| self.has_role(*r)) {
            Ok(())
        } else {
            let wanted: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            Err(Status::permission_denied(format!(
                "requires role {}",
                wanted.join(" or ")
            )))
        }
    }

    /// Whether the caller may see data of `unit`: only units named in its token.
    pub fn covers_unit(&self, unit: &str) -> bool {
        self.units.iter().any(|u| u == unit)
    }

    /// The units a request may cover: `requested` if all are the caller's (none = all of them).
    pub fn scope_units(&self, requested: &[String]) -> Result<Vec<String>, Status> {
        if requested.is_empty() {
            if self.units.is_empty() {
                return Err(Status::permission_denied("token names no units"));
            }
            return Ok(self.units.clone());
        }
        match requested.iter().find(|u| !self.covers_unit(u)) {
            Some(unit) => Err(Status::permission_denied(format!(
                "unit {unit} is not among the caller's units"
            ))),
            None => Ok(requested.to_vec()),
        }
    }
}

/// Verifies bearer tokens.
pub struct Authenticator {
    key: DecodingKey,
    validation: Validation,
    /// True when running on the published development secret.
    pub uses_dev_secret: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("reading {path}: {reason}")]
    Key { path: String, reason: String },
    #[error("signing token: {0}")]
    Sign(String),
}

impl Authenticator {
    pub fn from_config(config: &AuthConfig) -> Result<Self, AuthError> {
        let (key, algorithms, uses_dev_secret) = if let Some(path) = &config.public_key_file {
            let pem = std::fs::read(path).map_err(|e| AuthError::Key {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
            let key_err = |e: jsonwebtoken::errors::Error| AuthError::Key {
                path: path.display().to_string(),
                reason: e.to_string(),
            };
            if String::from_utf8_lossy(&pem).contains("BEGIN RSA PUBLIC KEY") {
                (
                    DecodingKey::from_rsa_pem(&pem).map_err(key_err)?,
                    vec![Algorithm::RS256],
                    false,
                )
            } else {
                match DecodingKey::from_ec_pem(&pem) {
                    Ok(key) => (key, vec![Algorithm::ES256], false),
                    Err(_) => (
                        DecodingKey::from_rsa_pem(&pem).map_err(key_err)?,
                        vec![Algorithm::RS256],
                        false,
                    ),
                }
            }
        } else if let Some(secret) = &config.hs256_secret {
            (
                DecodingKey::from_secret(secret.expose().as_bytes()),
                vec![Algorithm::HS256],
                false,
            )
        } else {
            (
                DecodingKey::from_secret(LOCAL_DEV_SECRET.as_bytes()),
                vec![Algorithm::HS256],
                true,
            )
        };
        let mut validation = Validation::new(algorithms[0]);
        validation.algorithms = algorithms;
        validation.set_required_spec_claims(&["exp", "sub"]);
        match &config.audience {
            Some(audience) => validation.set_audience(&[audience]),
            None => validation.validate_aud = false,
        }
        if let Some(issuer) = &config.issuer {
            validation.set_issuer(&[issuer]);
        }
        Ok(Self {
            key,
            validation,
            uses_dev_secret,
        })
    }

    pub fn verify(&self, token: &str) -> Result<Caller, Status> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation)
            .map_err(|e| Status::unauthenticated(format!("invalid token: {e}")))?;
        let claims = data.claims;
        let mut roles = Vec::with_capacity(claims.roles.len());
        for role in &claims.roles {
            // Unknown roles grant nothing; they may belong to another system sharing the issuer.
            if let Some(role) = Role::parse(role) {
                roles.push(role);
            }
        }
        if claims.agency.trim().is_empty() {
            return Err(Status::unauthenticated(
                "invalid token: agency claim is empty",
            ));
        }
        Ok(Caller {
            subject: claims.sub,
            agency: claims.agency,
            units: claims.units,
            roles,
        })
    }

    /// Authenticates the request's bearer token and attaches the [`Caller`] to it.
    pub fn authenticate<T>(&self, mut request: Request<T>) -> Result<Request<T>, Status> {
        let header = request
            .metadata()
            .get("authorization")
            .ok_or_else(|| Status::unauthenticated("missing bearer token"))?;
        let value = header
            .to_str()
            .map_err(|_| Status::unauthenticated("malformed authorization header"))?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .ok_or_else(|| Status::unauthenticated("authorization must be a bearer token"))?;
        let caller = self.verify(token.trim())?;
        request.extensions_mut().insert(caller);
        Ok(request)
    }
}

/// A tonic interceptor that authenticates every call.
#[derive(Clone)]
pub struct AuthInterceptor(pub Arc<Authenticator>);

impl tonic::service::Interceptor for AuthInterceptor {
    fn call(&mut self, request: Request<()>) -> Result<Request<()>, Status> {
        self.0.authenticate(request)
    }
}

/// The caller attached by [`AuthInterceptor`].
pub fn caller<T>(request: &Request<T>) -> Result<Caller, Status> {
    request
        .extensions()
        .get::<Caller>()
        .cloned()
        .ok_or_else(|| Status::unauthenticated("missing bearer token"))
}

/// Signs an HS256 token, e.g. with [`LOCAL_DEV_SECRET`] for a local stack or tests.
pub fn mint_hs256(
    secret: &str,
    subject: &str,
    agency: &str,
    units: &[String],
    roles: &[Role],
    ttl_secs: u64,
) -> Result<String, AuthError> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let claims = Claims {
        sub: subject.to_owned(),
        agency: agency.to_owned(),
        units: units.to_vec(),
        roles: roles.iter().map(|r| r.as_str().to_owned()).collect(),
        exp: now + ttl_secs,
        iat: now,
        iss: None,
        aud: None,
    };
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .map_err(|e| AuthError::Sign(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::personal::Personal;

    fn config(secret: Option<&str>) -> AuthConfig {
        AuthConfig {
            hs256_secret: secret.map(|s| Personal::new(s.to_owned())),
            public_key_file: None,
            issuer: None,
            audience: None,
        }
    }

    fn request_with(token: &str) -> Request<()> {
        let mut request = Request::new(());
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        request
    }

    #[test]
    fn valid_token_yields_caller() {
        let auth = Authenticator::from_config(&config(Some("s3cret"))).unwrap();
        assert!(!auth.uses_dev_secret);
        let token = mint_hs256(
            "s3cret",
            "officer-1",
            "ba-ibm",
            &["jaitf-sjj".into()],
            &[Role::Officer],
            60,
        )
        .unwrap();
        let request = auth.authenticate(request_with(&token)).unwrap();
        let caller = caller(&request).unwrap();
        assert_eq!(caller.subject, "officer-1");
        assert_eq!(caller.agency, "ba-ibm");
        assert!(caller.covers_unit("jaitf-sjj"));
        assert!(!caller.covers_unit("jaitf-beg"));
        assert!(caller.require_any(&[Role::Officer]).is_ok());
        assert_eq!(
            caller.require_any(&[Role::Analyst]).unwrap_err().code(),
            tonic::Code::PermissionDenied
        );
    }

    #[test]
    fn bad_tokens_are_unauthenticated() {
        let auth = Authenticator::from_config(&config(Some("s3cret"))).unwrap();
        let other_key = mint_hs256("other", "x", "a", &[], &[Role::Admin], 60).unwrap();
        let expired = {
            let claims = Claims {
                sub: "x".into(),
                agency: "a".into(),
                units: vec![],
                roles: vec!["admin".into()],
                exp: 1_000,
                iat: 0,
                iss: None,
                aud: None,
            };
            jsonwebtoken::encode(
                &Header::new(Algorithm::HS256),
                &claims,
                &EncodingKey::from_secret(b"s3cret"),
            )
            .unwrap()
        };
        for request in [
            Request::new(()),
            request_with(&other_key),
            request_with(&expired),
            request_with("garbage"),
        ] {
            assert_eq!(
                auth.authenticate(request).unwrap_err().code(),
                tonic::Code::Unauthenticated
            );
        }
    }

    #[test]
    fn dev_secret_is_the_fallback() {
        let auth = Authenticator::from_config(&config(None)).unwrap();
        assert!(auth.uses_dev_secret);
        let token = mint_hs256(LOCAL_DEV_SECRET, "dev", "local", &[], &[Role::Admin], 60).unwrap();
        assert!(auth.verify(&token).is_ok());
    }

    #[test]
    fn unit_scope_rejects_foreign_units() {
        let caller = Caller {
            subject: "o".into(),
            agency: "a".into(),
            units: vec!["pcu-bar".into()],
            roles: vec![Role::Officer],
        };
        assert_eq!(caller.scope_units(&[]).unwrap(), vec!["pcu-bar".to_owned()]);
        assert_eq!(
            caller
                .scope_units(&["jaitf-beg".into()])
                .unwrap_err()
                .code(),
            tonic::Code::PermissionDenied
        );
    }
}
