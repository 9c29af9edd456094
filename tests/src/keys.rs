//! Ed25519 signing keys for tests, in the forms the settings take.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use dms_platform::auth::{Jwk, Jwks};
use ed25519_dalek::SigningKey;

/// A key pair with its id.
pub struct TestKeys {
    pub kid: String,
    pub signing: SigningKey,
}

impl TestKeys {
    pub fn generate(kid: &str) -> TestKeys {
        let seed: [u8; 32] = rand::random();
        TestKeys {
            kid: kid.to_owned(),
            signing: SigningKey::from_bytes(&seed),
        }
    }

    /// `jwt_signing_key`: base64url of the seed.
    pub fn seed(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.signing.to_bytes())
    }

    /// `jwt_verifying_keys`: a JWKS with the public key.
    pub fn jwks(&self) -> String {
        let set = Jwks {
            keys: vec![Jwk::from_key(&self.kid, &self.signing.verifying_key())],
        };
        serde_json::to_string(&set).expect("a key set serializes")
    }
}
