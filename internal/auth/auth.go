// Package auth holds the secrets of signing in: passwords hashed with
// argon2id, random session ids and API tokens kept only as hashes, and the
// throttle that slows down guessing. It wraps golang.org/x/crypto once, so
// that the rest of localcrm never handles a hashing parameter.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's recommended floor (19 MiB, two passes, one
// lane). The memory is per hash, and the server is sized to run in 64 MB,
// so HashPassword and CheckPassword are also bounded in how many run at
// once (see Limiter).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	saltLen      = 16
)

// HashPassword returns the password's argon2id hash in the PHC string
// format, with its own random salt, ready to store.
func HashPassword(password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches the stored hash, reading
// the parameters from the hash so that older hashes keep working if the
// defaults change.
func CheckPassword(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("check password: not an argon2id hash")
	}
	var version int
	var memory, time uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, fmt.Errorf("check password: unsupported argon2 version %q", parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &time, &threads); err != nil {
		return false, fmt.Errorf("check password: bad parameters %q", parts[3])
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("check password: bad salt: %w", err)
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return false, fmt.Errorf("check password: bad key: %w", err)
	}
	// A hash cut short or with zero parameters would make argon2 panic, or
	// compare an empty key, which every password matches.
	if len(salt) < 8 || len(want) < 16 || time == 0 || threads == 0 || memory < 8*uint32(threads) {
		return false, errors.New("check password: the hash is damaged (salt, key or parameters too small)")
	}
	got := argon2.IDKey([]byte(password), salt, time, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// TokenPrefix starts every API token, so that a token pasted where it
// should not be (a chat, a repository) is easy to recognise and to scan for.
const TokenPrefix = "lcrm_"

// NewSecret returns a random 256-bit secret, URL-safe, with prefix before it.
func NewSecret(prefix string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("new secret: %w", err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// Hash is what the database keeps of a session id, an API token or a setup
// link: their 256 random bits need no slow hash, only one that cannot be
// turned back, so that a copy of the database lets no one in.
func Hash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}
