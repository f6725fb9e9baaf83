// The self-signed certificate the HTTP/2 tests serve TLS with: EC P-256, for CN=localhost with the
// subjectAltNames IP:127.0.0.1 and DNS:localhost, valid for 100 years from November 2026. Committed so the
// tests need no openssl on the machine. To make a new pair (from test/http2/fixtures):
//   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
//     -keyout localhost-key.pem -out localhost-cert.pem -days 36500 -subj /CN=localhost \
//     -addext "subjectAltName=IP:127.0.0.1,DNS:localhost"
// The key protects nothing: it exists only for loopback tests.

import { readFileSync } from 'node:fs';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

export const TLS_KEY = fixture('localhost-key.pem');
export const TLS_CERT = fixture('localhost-cert.pem');
