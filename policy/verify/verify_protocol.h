/* The contract between runwarden (which reads policy, keys and signatures) and
 * runwarden-trust-verify (which only does the cryptography, so that librnp and libcrypto
 * never load into the runtime wrapper). One JSON request on stdin, one JSON answer on
 * stdout:
 *
 *   request  {"keyrings":[{"type":"gpg"|"sigstore","keys":["<base64>",...]},...],
 *             "jobs":[{"keyring":N,"signature":"<base64>"[,"payload":"<base64>"]},...]}
 *   answer   {"keyrings":[{"ok":true,"keys":["<fingerprint>",...]}|{"ok":false,"error":".."}],
 *             "jobs":[{"ok":true,"key":"<fingerprint or key index>"[,"payload":"<b64>"]}
 *                    |{"ok":false,"error":"..."}]}
 *   or       {"error":"..."} when the request itself is unusable.
 *
 * gpg jobs verify an OpenPGP signed message and return its literal data as "payload";
 * sigstore jobs verify a raw signature over "payload" with SHA-256 (ECDSA, RSA PKCS#1 v1.5)
 * or Ed25519. */
#pragma once

#define RW_TRUST_VERIFY_MAX_REQUEST (64u << 20)
#define RW_TRUST_VERIFY_MAX_ANSWER (64u << 20)
#define RW_TRUST_VERIFY_MAX_PAYLOAD (4u << 20)
#define RW_TRUST_VERIFY_HELPER "runwarden-trust-verify"
