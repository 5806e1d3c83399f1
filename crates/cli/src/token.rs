//! `gatehouse token`: mints an HS256 bearer token for local stacks and scripts.

use anyhow::Result;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use gatehouse_platform::auth::{AuthError, Role, check_hs256_secret, mint_hs256};

use crate::client;

const ROLE_NAMES: [&str; 6] = [
    "submitter",
    "analyst",
    "officer",
    "supervisor",
    "auditor",
    "admin",
];

#[derive(Debug, Clone, clap::Args)]
pub struct TokenArgs {
    /// Subject (user id).
    #[arg(long, default_value = "local-dev")]
    pub sub: String,
    /// Agency the caller belongs to.
    #[arg(long, default_value = "local")]
    pub agency: String,
    /// Unit the caller works for; repeatable [default: every unit of the seed region].
    #[arg(long = "unit", value_name = "UNIT")]
    pub units: Vec<String>,
    /// Role to grant; repeatable [default: admin].
    #[arg(long = "role", value_name = "ROLE", value_parser = role_parser())]
    pub roles: Vec<Role>,
    /// Lifetime of the token in seconds.
    #[arg(long, default_value_t = 12 * 3600)]
    pub ttl_secs: u64,
}

fn role_parser() -> impl TypedValueParser<Value = Role> {
    PossibleValuesParser::new(ROLE_NAMES)
        .try_map(|name| Role::parse(&name).ok_or_else(|| format!("unknown role {name}")))
}

/// Signs the token described by `args` with `secret`, filling in the defaults.
pub fn mint(args: &TokenArgs, secret: &str) -> Result<String> {
    let units = if args.units.is_empty() {
        client::seed_unit_ids()
    } else {
        args.units.clone()
    };
    let roles = if args.roles.is_empty() {
        vec![Role::Admin]
    } else {
        args.roles.clone()
    };
    Ok(mint_hs256(
        secret,
        &args.sub,
        &args.agency,
        &units,
        &roles,
        args.ttl_secs,
    )?)
}

pub fn run(args: &TokenArgs) -> Result<()> {
    let secret = client::jwt_secret();
    // The services refuse such a secret at start, so a token signed with it would never verify.
    // The development key is what the local stack (development mode) accepts.
    check_hs256_secret(&secret, true).map_err(AuthError::from)?;
    println!("{}", mint(args, &secret)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;
    use gatehouse_platform::{
        auth::{Authenticator, LOCAL_DEV_SECRET},
        config::AuthConfig,
    };

    use super::*;
    use crate::{Cli, Command};

    fn parse(args: &[&str]) -> TokenArgs {
        match Cli::try_parse_from(args).unwrap().command {
            Command::Token(args) => args,
            other => panic!("parsed {other:?}"),
        }
    }

    fn dev_authenticator() -> Authenticator {
        Authenticator::from_config(&AuthConfig {
            hs256_secret: None,
            public_key_file: None,
            jwks_file: None,
            issuer: None,
            audience: None,
            dev_mode: true,
        })
        .unwrap()
    }

    #[test]
    fn defaults_give_an_admin_of_every_seed_unit() {
        let token = mint(&parse(&["gatehouse", "token"]), LOCAL_DEV_SECRET).unwrap();
        let caller = dev_authenticator().verify(&token).unwrap();
        assert_eq!(caller.subject, "local-dev");
        assert_eq!(caller.agency, "local");
        assert_eq!(caller.roles, vec![Role::Admin]);
        assert_eq!(caller.units, client::seed_unit_ids());
    }

    #[test]
    fn flags_round_trip_through_the_authenticator() {
        let args = parse(&[
            "gatehouse",
            "token",
            "--sub",
            "officer-7",
            "--agency",
            "ba-ibm",
            "--unit",
            "jaitf-sjj",
            "--unit",
            "pcu-bar",
            "--role",
            "officer",
            "--role",
            "supervisor",
            "--ttl-secs",
            "60",
        ]);
        let token = mint(&args, LOCAL_DEV_SECRET).unwrap();
        let caller = dev_authenticator().verify(&token).unwrap();
        assert_eq!(caller.subject, "officer-7");
        assert_eq!(caller.agency, "ba-ibm");
        assert_eq!(caller.units, vec!["jaitf-sjj", "pcu-bar"]);
        assert_eq!(caller.roles, vec![Role::Officer, Role::Supervisor]);
    }

    #[test]
    fn unknown_roles_are_rejected() {
        assert!(Cli::try_parse_from(["gatehouse", "token", "--role", "king"]).is_err());
    }

    #[test]
    fn other_secrets_do_not_verify() {
        let token = mint(&parse(&["gatehouse", "token"]), "another-secret").unwrap();
        assert!(dev_authenticator().verify(&token).is_err());
    }
}
