// An x509 key pair's public key for the tests (Nova 2.2 key pair type x509).

/** A self-signed EC certificate made with `openssl req -x509` for these tests; its SHA-1 as `openssl x509 -fingerprint -sha1` prints it, lower-cased (Nova's form). */
export const TEST_CERTIFICATE = [
  "-----BEGIN CERTIFICATE-----",
  "MIIBkjCCATmgAwIBAgIUZ1txfFM0F3A4IOUEULY8Cz1hyjcwCgYIKoZIzj0EAwIw",
  "HjEcMBoGA1UEAwwTaXJvbmljLWNvbXB1dGUtdGVzdDAgFw0yNjEyMDIxNTI3MTda",
  "GA8yMTI2MTEwODE1MjcxN1owHjEcMBoGA1UEAwwTaXJvbmljLWNvbXB1dGUtdGVz",
  "dDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABCR9tpGTvulZwGMuKnogkMu9JztU",
  "zJcDzacjDPk1zYs0kqwRK0jCwmlUjxJ1Vw15fTkExaGPdBkGEGp+Xhuaq22jUzBR",
  "MB0GA1UdDgQWBBSHGjpf34DjCzo9+UyW3/Qm8U2s/jAfBgNVHSMEGDAWgBSHGjpf",
  "34DjCzo9+UyW3/Qm8U2s/jAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0cA",
  "MEQCIF8PnWQZFQa5hLTGjLmoWbdtIEFFR01F/SYn3R0z87ihAiAb0aOiyzDRenAV",
  "7TKczFxSfYOtsqbkaBD8zjIVFZYbaA==",
  "-----END CERTIFICATE-----",
].join("\n");
export const TEST_CERTIFICATE_FINGERPRINT = "91:82:18:00:88:e8:f5:15:ee:0b:cb:8c:db:cc:4c:89:c1:a5:77:7b";
