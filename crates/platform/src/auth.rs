//! Authentication (bearer JWT) and authorisation (roles, unit scoping) for every RPC.
//!
//! Claims: `sub`, `agency`, `units[]`, `roles[]`, `exp` (and `nbf`, `iss`, `aud` when present).
//! Keys come from configuration: a JWKS file or a PEM public key for tokens from an identity
//! provider (RS256, ES256, EdDSA), or an HS256 secret of at least 32 bytes that is not a known
//! placeholder. Authentication fails closed: without a key a service refuses to start, unless
//! the explicit development mode (`GATEHOUSE_AUTH_DEV_MODE=true`, what `gatehouse up` sets) lets
//! it accept the published development key.

use std::{
    sync::Arc,
    time::{SystemTime, UNIX_EPOCH},
};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use tonic::{Request, Status};

use crate::config::AuthConfig;

/// Signing secret for local development only: accepted only in development mode
/// ([`DEV_MODE_VAR`]), and services warn at start when they use it.
pub const LOCAL_DEV_SECRET: &str = "gatehouse-local-development-secret-do-not-use-in-production";

/// The variable that turns development mode on (`true`): no key configured → [`LOCAL_DEV_SECRET`].
pub const DEV_MODE_VAR: &str = "GATEHOUSE_AUTH_DEV_MODE";

/// Shortest HS256 secret accepted: the key should be as long as the hash (RFC 7518 §3.2).
pub const MIN_HS256_SECRET_BYTES: usize = 32;

/// Clock skew allowed between issuer and service, for `exp` and `nbf` alike.
pub const CLOCK_LEEWAY_SECS: u64 = 60;

/// Parts of example and documentation values (after lowercasing and dropping everything but
/// letters and digits): `CHANGE-ME` in deploy/k8s/secret.example.yaml, `change-me-...` defaults.
const PLACEHOLDER_MARKERS: &[&str] = &[
    "changeme",
    "replaceme",
    "placeholder",
    "example",
    "yoursecret",
    "secrethere",
    "donotuse",
    "insecure",
];

/// Fewer distinct characters than this is a repeated word or pattern, not a generated secret
/// (`openssl rand -hex 32` uses all 16 hex digits).
const MIN_DISTINCT_SECRET_CHARS: usize = 10;

/// Why an HS256 secret is refused. Never carries the secret itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WeakSecret {
    #[error("must be at least 32 bytes; generate one with `openssl rand -hex 32`")]
    TooShort,
    #[error("is a placeholder from an example; generate one with `openssl rand -hex 32`")]
    Placeholder,
    #[error("repeats too few characters to be a generated secret; use `openssl rand -hex 32`")]
    TooRepetitive,
    #[error(
        "is the published development key; it is accepted only with GATEHOUSE_AUTH_DEV_MODE=true"
    )]
    DevelopmentKey,
}

/// Refuses HS256 secrets that anyone could guess: short ones, placeholders from examples, and
/// the published development key outside development mode.
pub fn check_hs256_secret(secret: &str, dev_mode: bool) -> Result<(), WeakSecret> {
    if secret == LOCAL_DEV_SECRET {
        return if dev_mode {
            Ok(())
        } else {
            Err(WeakSecret::DevelopmentKey)
        };
    }
    if secret.len() < MIN_HS256_SECRET_BYTES {
        return Err(WeakSecret::TooShort);
    }
    let normalised: String = secret
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if PLACEHOLDER_MARKERS.iter().any(|m| normalised.contains(m)) {
        return Err(WeakSecret::Placeholder);
    }
    let mut distinct: Vec<char> = secret.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < MIN_DISTINCT_SECRET_CHARS {
        return Err(WeakSecret::TooRepetitive);
    }
    Ok(())
}

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
    /// Not valid before (seconds since the epoch); checked with the same leeway as `exp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
}

/// `aud` as RFC 7519 allows it: one string or an array of strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

/// The authenticated caller of an RPC.
#[derive(Debug, Clone)]
pub struct Caller {
    pub subject: String,
    pub agency: String,
    pub units: Vec<String>,
    pub roles: Vec<Role>,
    /// When the token stops being valid (its `exp`): long-lived streams end then.
    pub expires_at: SystemTime,
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

/// A key tokens may be signed with.
struct VerificationKey {
    /// `kid` of a JWKS key; tokens naming a `kid` must match it.
    kid: Option<String>,
    algorithm: Algorithm,
    key: DecodingKey,
}

/// Verifies bearer tokens.
pub struct Authenticator {
    keys: Vec<VerificationKey>,
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
    #[error(
        "no key to verify tokens: set GATEHOUSE_JWT_JWKS_FILE, GATEHOUSE_JWT_PUBLIC_KEY_FILE or \
         GATEHOUSE_JWT_SECRET, or GATEHOUSE_AUTH_DEV_MODE=true to accept the published development \
         key on a developer machine"
    )]
    NoKey,
    #[error("GATEHOUSE_JWT_SECRET {0}")]
    WeakSecret(#[from] WeakSecret),
}

fn read_key_file(path: &std::path::Path) -> Result<Vec<u8>, AuthError> {
    std::fs::read(path).map_err(|e| AuthError::Key {
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

fn key_error(path: &std::path::Path) -> impl Fn(jsonwebtoken::errors::Error) -> AuthError + '_ {
    move |e| AuthError::Key {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// Keys of a JWKS document (an identity provider's published keys); symmetric keys are refused
/// because a public key set must not hold shared secrets.
fn jwks_keys(path: &std::path::Path) -> Result<Vec<VerificationKey>, AuthError> {
    let bytes = read_key_file(path)?;
    let set: jsonwebtoken::jwk::JwkSet =
        serde_json::from_slice(&bytes).map_err(|e| AuthError::Key {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
    let mut keys = Vec::with_capacity(set.keys.len());
    for jwk in &set.keys {
        use jsonwebtoken::jwk::AlgorithmParameters;
        let algorithm = match (jwk.common.key_algorithm, &jwk.algorithm) {
            (Some(declared), _) => Algorithm::try_from(declared).map_err(key_error(path))?,
            (None, AlgorithmParameters::RSA(_)) => Algorithm::RS256,
            (None, AlgorithmParameters::EllipticCurve(_)) => Algorithm::ES256,
            (None, AlgorithmParameters::OctetKeyPair(_)) => Algorithm::EdDSA,
            (None, _) => {
                return Err(AuthError::Key {
                    path: path.display().to_string(),
                    reason:
                        "a key without \"alg\" must be RSA, EC or OKP (symmetric keys are refused)"
                            .into(),
                });
            }
        };
        if matches!(
            algorithm,
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
        ) {
            return Err(AuthError::Key {
                path: path.display().to_string(),
                reason: "symmetric keys are refused in a JWKS file".into(),
            });
        }
        keys.push(VerificationKey {
            kid: jwk.common.key_id.clone(),
            algorithm,
            key: DecodingKey::from_jwk(jwk).map_err(key_error(path))?,
        });
    }
    if keys.is_empty() {
        return Err(AuthError::Key {
            path: path.display().to_string(),
            reason: "no keys".into(),
        });
    }
    Ok(keys)
}

fn pem_key(path: &std::path::Path) -> Result<VerificationKey, AuthError> {
    let pem = read_key_file(path)?;
    let (key, algorithm) = match DecodingKey::from_ec_pem(&pem) {
        Ok(key) => (key, Algorithm::ES256),
        Err(_) => (
            DecodingKey::from_rsa_pem(&pem).map_err(key_error(path))?,
            Algorithm::RS256,
        ),
    };
    Ok(VerificationKey {
        kid: None,
        algorithm,
        key,
    })
}

impl Authenticator {
    /// Keys from, in order of preference: a JWKS file, a PEM public key, an HS256 secret, and
    /// in development mode only, the local development secret. Without any: [`AuthError::NoKey`].
    pub fn from_config(config: &AuthConfig) -> Result<Self, AuthError> {
        let hs256 = |secret: &str| VerificationKey {
            kid: None,
            algorithm: Algorithm::HS256,
            key: DecodingKey::from_secret(secret.as_bytes()),
        };
        let (keys, uses_dev_secret) = if let Some(path) = &config.jwks_file {
            (jwks_keys(path)?, false)
        } else if let Some(path) = &config.public_key_file {
            (vec![pem_key(path)?], false)
        } else if let Some(secret) = &config.hs256_secret {
            check_hs256_secret(secret.expose(), config.dev_mode)?;
            (
                vec![hs256(secret.expose())],
                secret.expose() == LOCAL_DEV_SECRET,
            )
        } else if config.dev_mode {
            (vec![hs256(LOCAL_DEV_SECRET)], true)
        } else {
            return Err(AuthError::NoKey);
        };
        let mut validation = Validation::new(Algorithm::HS256);
        // A configured audience or issuer must be named by the token, not merely not contradicted.
        let mut required = vec!["exp", "sub"];
        required.extend(config.audience.as_ref().map(|_| "aud"));
        required.extend(config.issuer.as_ref().map(|_| "iss"));
        validation.set_required_spec_claims(&required);
        validation.leeway = CLOCK_LEEWAY_SECS;
        validation.validate_nbf = true;
        // `set_audience` accepts `aud` as a string or as an array holding the audience.
        match &config.audience {
            Some(audience) => validation.set_audience(&[audience]),
            None => validation.validate_aud = false,
        }
        if let Some(issuer) = &config.issuer {
            validation.set_issuer(&[issuer]);
        }
        Ok(Self {
            keys,
            validation,
            uses_dev_secret,
        })
    }

    pub fn verify(&self, token: &str) -> Result<Caller, Status> {
        let invalid =
            |e: jsonwebtoken::errors::Error| Status::unauthenticated(format!("invalid token: {e}"));
        let header = jsonwebtoken::decode_header(token).map_err(invalid)?;
        // The key is chosen by kid and must be of the algorithm the token claims, so a token
        // cannot pick a weaker algorithm for a key (algorithm confusion).
        let key = self
            .keys
            .iter()
            .filter(|k| k.algorithm == header.alg)
            .find(|k| match (&header.kid, &k.kid) {
                (Some(wanted), Some(kid)) => wanted == kid,
                (Some(_), None) | (None, _) => true,
            })
            .ok_or_else(|| {
                Status::unauthenticated("invalid token: no key for its algorithm and kid")
            })?;
        let mut validation = self.validation.clone();
        validation.algorithms = vec![key.algorithm];
        let data = jsonwebtoken::decode::<Claims>(token, &key.key, &validation).map_err(invalid)?;
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
            // An `exp` past what the clock can hold counts as expired (fail closed).
            expires_at: UNIX_EPOCH
                .checked_add(std::time::Duration::from_secs(claims.exp))
                .unwrap_or(UNIX_EPOCH),
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

/// Client side: sends `authorization: Bearer <token>` and the current W3C trace context with
/// every call (CLI, tests, other services' clients).
#[derive(Clone)]
pub struct BearerToken(tonic::metadata::MetadataValue<tonic::metadata::Ascii>);

impl BearerToken {
    pub fn new(token: &str) -> Result<Self, AuthError> {
        format!("Bearer {}", token.trim())
            .parse()
            .map(Self)
            .map_err(|_| AuthError::Sign("token is not valid header text".into()))
    }
}

impl tonic::service::Interceptor for BearerToken {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        request
            .metadata_mut()
            .insert("authorization", self.0.clone());
        crate::telemetry::inject_grpc(request.metadata_mut());
        Ok(request)
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
        nbf: None,
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
    use crate::Personal;

    /// Generated for these tests only (`openssl rand -hex 16`).
    const TEST_SECRET: &str = "5b0e8c2f9a7d41e3b6f0c8a2d4e61f97";

    fn config(secret: Option<&str>) -> AuthConfig {
        AuthConfig {
            hs256_secret: secret.map(|s| Personal::new(s.to_owned())),
            public_key_file: None,
            jwks_file: None,
            issuer: None,
            audience: None,
            dev_mode: false,
        }
    }

    fn request_with(token: &str) -> Request<()> {
        let mut request = Request::new(());
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        request
    }

    fn now() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    /// An HS256 token with `extra` claims over a valid officer's.
    fn signed_with(extra: serde_json::Value) -> String {
        let mut claims = serde_json::json!({
            "sub": "officer-1",
            "agency": "ba-ibm",
            "units": ["jaitf-sjj"],
            "roles": ["officer"],
            "exp": now() + 600,
        });
        if let (Some(claims), Some(extra)) = (claims.as_object_mut(), extra.as_object()) {
            claims.extend(extra.clone());
        }
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(TEST_SECRET.as_bytes()),
        )
        .unwrap()
    }

    #[test]
    fn valid_token_yields_caller() {
        let auth = Authenticator::from_config(&config(Some(TEST_SECRET))).unwrap();
        assert!(!auth.uses_dev_secret);
        let token = mint_hs256(
            TEST_SECRET,
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
        let auth = Authenticator::from_config(&config(Some(TEST_SECRET))).unwrap();
        let other_key = mint_hs256(
            "a0d9f1c3e5b7a9c1e3f5a7b9c1d3e5f7",
            "x",
            "a",
            &[],
            &[Role::Admin],
            60,
        )
        .unwrap();
        let expired = signed_with(serde_json::json!({ "exp": 1_000 }));
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
    fn not_before_is_checked_with_the_exp_leeway() {
        let auth = Authenticator::from_config(&config(Some(TEST_SECRET))).unwrap();
        let later = signed_with(serde_json::json!({ "nbf": now() + CLOCK_LEEWAY_SECS + 120 }));
        assert_eq!(
            auth.verify(&later).unwrap_err().code(),
            tonic::Code::Unauthenticated
        );
        // Within the clock skew allowed, as for `exp`.
        let skewed = signed_with(serde_json::json!({ "nbf": now() + CLOCK_LEEWAY_SECS / 2 }));
        assert!(auth.verify(&skewed).is_ok());
        let past = signed_with(serde_json::json!({ "nbf": now() - 10 }));
        assert!(auth.verify(&past).is_ok());
        let just_expired = signed_with(serde_json::json!({ "exp": now() - CLOCK_LEEWAY_SECS / 2 }));
        assert!(auth.verify(&just_expired).is_ok());
    }

    #[test]
    fn audience_may_be_a_string_or_an_array() {
        let auth = Authenticator::from_config(&AuthConfig {
            audience: Some("gatehouse".into()),
            ..config(Some(TEST_SECRET))
        })
        .unwrap();
        for aud in [
            serde_json::json!("gatehouse"),
            serde_json::json!(["gatehouse"]),
            serde_json::json!(["portal", "gatehouse"]),
        ] {
            let token = signed_with(serde_json::json!({ "aud": aud }));
            assert!(auth.verify(&token).is_ok(), "{aud}");
        }
        for aud in [
            serde_json::json!("portal"),
            serde_json::json!(["portal", "billing"]),
            serde_json::json!([]),
        ] {
            let token = signed_with(serde_json::json!({ "aud": aud }));
            assert_eq!(
                auth.verify(&token).unwrap_err().code(),
                tonic::Code::Unauthenticated,
                "{aud}"
            );
        }
        // A configured audience must be named: a token without `aud` was not meant for us.
        assert!(auth.verify(&signed_with(serde_json::json!({}))).is_err());
    }

    #[test]
    fn missing_key_without_dev_mode_refuses_to_start() {
        let error = Authenticator::from_config(&config(None)).err().unwrap();
        assert!(matches!(error, AuthError::NoKey));
        assert!(error.to_string().contains(DEV_MODE_VAR), "{error}");
    }

    #[test]
    fn dev_mode_accepts_the_development_key() {
        let auth = Authenticator::from_config(&AuthConfig {
            dev_mode: true,
            ..config(None)
        })
        .unwrap();
        assert!(auth.uses_dev_secret);
        let token = mint_hs256(LOCAL_DEV_SECRET, "dev", "local", &[], &[Role::Admin], 60).unwrap();
        assert!(auth.verify(&token).is_ok());
        let other = mint_hs256(TEST_SECRET, "dev", "local", &[], &[Role::Admin], 60).unwrap();
        assert!(auth.verify(&other).is_err());
    }

    #[test]
    fn dev_mode_does_not_override_a_configured_key() {
        let auth = Authenticator::from_config(&AuthConfig {
            dev_mode: true,
            ..config(Some(TEST_SECRET))
        })
        .unwrap();
        assert!(!auth.uses_dev_secret);
        let dev = mint_hs256(LOCAL_DEV_SECRET, "dev", "local", &[], &[Role::Admin], 60).unwrap();
        assert!(auth.verify(&dev).is_err());
    }

    #[test]
    fn dev_mode_is_read_from_its_variable() {
        use crate::config::{ServiceConfig, ServiceKind};
        let read = |value: Option<&str>| {
            ServiceConfig::from_lookup(ServiceKind::RiskTargeting, |key| {
                (key == DEV_MODE_VAR)
                    .then(|| value.map(str::to_owned))
                    .flatten()
            })
        };
        assert!(!read(None).unwrap().auth.dev_mode);
        assert!(!read(Some("false")).unwrap().auth.dev_mode);
        assert!(read(Some("true")).unwrap().auth.dev_mode);
        assert!(read(Some(" TRUE ")).unwrap().auth.dev_mode);
        let error = read(Some("yes please")).unwrap_err().to_string();
        assert!(error.starts_with(DEV_MODE_VAR), "{error}");
    }

    #[test]
    fn weak_secrets_refuse_to_start() {
        for (secret, reason) in [
            ("e2e-test-secret", WeakSecret::TooShort),
            ("CHANGE-ME", WeakSecret::TooShort),
            ("changeme", WeakSecret::TooShort),
            ("secret", WeakSecret::TooShort),
            ("password", WeakSecret::TooShort),
            ("0123456789abcdef0123456789abcde", WeakSecret::TooShort),
            (
                "change-me-local-compose-secret-2026",
                WeakSecret::Placeholder,
            ),
            (
                "CHANGE-ME-CHANGE-ME-CHANGE-ME-CHANGE-ME",
                WeakSecret::Placeholder,
            ),
            (
                "please-replace-me-with-a-real-value",
                WeakSecret::Placeholder,
            ),
            (
                "Example_HS256_key_for_the_docs_only!",
                WeakSecret::Placeholder,
            ),
            (
                "secretsecretsecretsecretsecretsecret",
                WeakSecret::TooRepetitive,
            ),
            (
                "passwordpasswordpasswordpassword",
                WeakSecret::TooRepetitive,
            ),
            (
                "################################",
                WeakSecret::TooRepetitive,
            ),
            (LOCAL_DEV_SECRET, WeakSecret::DevelopmentKey),
        ] {
            assert_eq!(check_hs256_secret(secret, false), Err(reason), "{secret}");
            let error = Authenticator::from_config(&config(Some(secret)))
                .err()
                .unwrap();
            assert!(matches!(error, AuthError::WeakSecret(r) if r == reason));
            let message = error.to_string();
            assert!(message.starts_with("GATEHOUSE_JWT_SECRET "), "{message}");
            assert!(!message.contains(secret), "{message}");
        }
        assert_eq!(check_hs256_secret(TEST_SECRET, false), Ok(()));
        assert_eq!(check_hs256_secret(LOCAL_DEV_SECRET, true), Ok(()));
        // Dev mode relaxes nothing else.
        assert_eq!(
            check_hs256_secret("changeme", true),
            Err(WeakSecret::TooShort)
        );
    }

    #[test]
    fn unit_scope_rejects_foreign_units() {
        let caller = Caller {
            subject: "o".into(),
            agency: "a".into(),
            units: vec!["pcu-bar".into()],
            roles: vec![Role::Officer],
            expires_at: SystemTime::now(),
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

    /// Throwaway P-256 key pair generated for this test only.
    const TEST_EC_PRIVATE_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgtafsh3F1Sd9+/Oc+
Fevs1NFXzDtFXXo9hE3Fd2CZSJahRANCAATN+ih4tUkNGWGd8SC/YeOH4OP0L0J5
Cfkss7jAvVhlkh0HtIAhUy1m4pB3vf+JV0pOcUwujJC/X8n+QuQbEo8u
-----END PRIVATE KEY-----
";
    const TEST_JWKS: &str = r#"{"keys":[{"kty":"EC","crv":"P-256","kid":"idp-2026","use":"sig",
        "x":"zfooeLVJDRlhnfEgv2Hjh-Dj9C9CeQn5LLO4wL1YZZI","y":"HQe0gCFTLWbikHe9_4lXSk5xTC6MkL9fyf5C5BsSjy4"}]}"#;

    fn es256_token(kid: Option<&str>) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = kid.map(str::to_owned);
        let claims = Claims {
            sub: "officer-7".into(),
            agency: "rs-customs".into(),
            units: vec!["jaitf-beg".into()],
            roles: vec!["officer".into()],
            exp: 4_000_000_000,
            iat: 0,
            nbf: None,
            iss: None,
            aud: None,
        };
        let key = EncodingKey::from_ec_pem(TEST_EC_PRIVATE_PEM.as_bytes()).unwrap();
        jsonwebtoken::encode(&header, &claims, &key).unwrap()
    }

    #[test]
    fn jwks_keys_verify_by_kid_and_algorithm() {
        let path =
            std::env::temp_dir().join(format!("gatehouse-jwks-{}.json", uuid::Uuid::now_v7()));
        std::fs::write(&path, TEST_JWKS).unwrap();
        let auth = Authenticator::from_config(&AuthConfig {
            jwks_file: Some(path.clone()),
            ..config(Some("ignored-when-a-jwks-is-set"))
        })
        .unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(!auth.uses_dev_secret);

        let caller = auth.verify(&es256_token(Some("idp-2026"))).unwrap();
        assert_eq!(
            (caller.subject.as_str(), caller.units.as_slice()),
            ("officer-7", &["jaitf-beg".to_owned()][..])
        );
        assert!(auth.verify(&es256_token(None)).is_ok());
        for token in [
            es256_token(Some("other-key")),
            // An HS256 token signed with the (public) key material must not pass.
            mint_hs256(
                "ignored-when-a-jwks-is-set",
                "x",
                "a",
                &[],
                &[Role::Admin],
                60,
            )
            .unwrap(),
        ] {
            assert_eq!(
                auth.verify(&token).unwrap_err().code(),
                tonic::Code::Unauthenticated
            );
        }
    }
}
