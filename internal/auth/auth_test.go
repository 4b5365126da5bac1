package auth

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
)

func TestPasswordHash(t *testing.T) {
	const password = "correct horse battery"
	h1, err := HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h1, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q, want argon2id with OWASP's parameters in the PHC format", h1)
	}
	if strings.Contains(h1, password) {
		t.Errorf("the hash %q holds the password", h1)
	}
	for _, tt := range []struct {
		password string
		want     bool
	}{
		{password, true},
		{"correct horse batterY", false},
		{"correct horse battery ", false},
		{"", false},
	} {
		if ok, err := CheckPassword(h1, tt.password); ok != tt.want || err != nil {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", tt.password, ok, err, tt.want)
		}
	}

	h2, err := HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	if h1 == h2 {
		t.Error("two hashes of one password are the same: the salt is not random")
	}
	if ok, err := CheckPassword(h2, password); !ok || err != nil {
		t.Errorf("CheckPassword with the second hash = %v, %v", ok, err)
	}
}

func TestCheckPasswordTamperedHash(t *testing.T) {
	const password = "correct horse battery"
	h, err := HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(h, "$") // "", argon2id, v=19, m=…,t=…,p=…, salt, key
	with := func(i int, s string) string {
		p := append([]string(nil), parts...)
		p[i] = s
		return strings.Join(p, "$")
	}
	key, _ := base64.RawStdEncoding.DecodeString(parts[5])
	key[0] ^= 1
	salt, _ := base64.RawStdEncoding.DecodeString(parts[4])
	salt[0] ^= 1

	// A hash that is not one errors.
	for _, bad := range []string{
		"",
		password,
		"$2a$10$abcdefghijklmnopqrstuv", // bcrypt
		with(1, "argon2i"),
		with(2, "v=16"),
		with(2, "version"),
		with(3, "m=lots"),
		with(4, "not base64!"),
		with(5, "not base64!"),
		with(5, ""),     // an empty key would match any password
		with(5, "AAAA"), // a key cut short
		with(4, ""),
		with(3, "m=0,t=0,p=0"),
		with(3, "m=19456,t=0,p=1"),
		with(3, "m=19456,t=2,p=0"),
		h + "$extra",
	} {
		if ok, err := CheckPassword(bad, password); ok || err == nil {
			t.Errorf("CheckPassword(%q) = %v, %v; want an error", bad, ok, err)
		}
	}
	// A hash changed in its values no longer matches.
	for _, changed := range []string{
		with(5, base64.RawStdEncoding.EncodeToString(key)),
		with(4, base64.RawStdEncoding.EncodeToString(salt)),
		with(3, "m=19456,t=3,p=1"),
	} {
		if ok, err := CheckPassword(changed, password); ok || err != nil {
			t.Errorf("CheckPassword(%q) = %v, %v; want no match", changed, ok, err)
		}
	}
}

func TestNewSecretAndHash(t *testing.T) {
	a, err := NewSecret(TokenPrefix)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewSecret(TokenPrefix)
	if err != nil {
		t.Fatal(err)
	}
	if a == b || !strings.HasPrefix(a, TokenPrefix) {
		t.Errorf("secrets %q and %q: want two different ones with the prefix %q", a, b, TokenPrefix)
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(a, TokenPrefix))
	if err != nil || len(raw) != 32 {
		t.Errorf("secret %q: %d bytes (%v), want 256 bits in URL-safe base64", a, len(raw), err)
	}
	want := sha256.Sum256([]byte(a))
	if got := Hash(a); !bytes.Equal(got, want[:]) || bytes.Equal(Hash(a), Hash(b)) {
		t.Errorf("Hash(%q) = %x, want its SHA-256 %x", a, got, want)
	}
}
