// Package pgtest gives tests a fresh PostgreSQL database on the server named
// by KASA_TEST_POSTGRES_DSN (scripts/test.sh starts a throwaway one).
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// Env names the variable holding the DSN of a server where tests may create
// and drop databases.
const Env = "KASA_TEST_POSTGRES_DSN"

// Require skips the test unless a test server is configured.
func Require(t testing.TB) {
	t.Helper()
	if os.Getenv(Env) == "" {
		t.Skip(Env + " not set; run scripts/test.sh to start a throwaway PostgreSQL")
	}
}

// DSN creates a uniquely named database on the test server and returns a DSN
// for it; the database is dropped when the test ends. It skips the test when
// no server is configured.
func DSN(t testing.TB) string {
	t.Helper()
	Require(t)
	base := os.Getenv(Env)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails
	// The name is ours, built from hex digits only, so it is safe to splice
	// into DDL, which takes no placeholders.
	name := "kasa_test_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		_ = admin.Close()
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// FORCE ends connections a test left open (PostgreSQL 13+).
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	dsn, err := withDatabase(base, name)
	if err != nil {
		t.Fatalf("pgtest: %s: %v", Env, err)
	}
	return dsn
}

// withDatabase returns dsn with its database replaced by name. It accepts the
// URL form and the key=value form; in the latter a later key overrides.
func withDatabase(dsn, name string) (string, error) {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsn + " dbname=" + name, nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}
