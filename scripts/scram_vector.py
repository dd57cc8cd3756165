#!/usr/bin/env python3
"""Computes a SCRAM exchange with Python's hashlib/hmac, independently of the Rust code, to
give src/net/scram.rs a SCRAM-SHA-512 test vector (RFC 7677 only has SHA-256).
Usage: scripts/scram_vector.py [sha512|sha256|sha1]  (inputs are the RFC 7677 example's)."""
import base64, hashlib, hmac, sys

alg = sys.argv[1] if len(sys.argv) > 1 else "sha512"
user, password = "user", "pencil"
client_nonce = "rOprNGfwEbeRWgbNEkqO"
server_nonce = client_nonce + "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
salt_b64, iterations = "W22ZaJ0SNY7soEsUEjb6gQ==", 4096

h = lambda key, msg: hmac.new(key, msg, alg).digest()
salted = hashlib.pbkdf2_hmac(alg, password.encode(), base64.b64decode(salt_b64), iterations)
client_key = h(salted, b"Client Key")
stored_key = hashlib.new(alg, client_key).digest()
client_first_bare = f"n={user},r={client_nonce}"
server_first = f"r={server_nonce},s={salt_b64},i={iterations}"
without_proof = f"c=biws,r={server_nonce}"
auth = f"{client_first_bare},{server_first},{without_proof}".encode()
proof = bytes(a ^ b for a, b in zip(client_key, h(stored_key, auth)))
server_sig = h(h(salted, b"Server Key"), auth)
print("client-first:", "n,," + client_first_bare)
print("server-first:", server_first)
print("client-final:", f"{without_proof},p={base64.b64encode(proof).decode()}")
print("server-final:", f"v={base64.b64encode(server_sig).decode()}")
