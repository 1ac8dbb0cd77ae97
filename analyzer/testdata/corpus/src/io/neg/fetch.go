package neg

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/durablegen/durable"
)

type Ledger struct{ DB *sql.DB }

//durable:step retries=3
func (l *Ledger) Load(ctx context.Context, acct string) (int64, error) {
	var cents int64
	err := l.DB.QueryRowContext(ctx, "SELECT cents FROM accounts WHERE id = $1", acct).Scan(&cents)
	return cents, err
}

// Balance does its I/O in steps.
//
//durable:workflow
func (l *Ledger) Balance(ctx durable.Context, acct string) (string, error) {
	cents, err := l.Load(ctx, acct)
	if err != nil {
		return "", err
	}
	page, err := durable.Do(ctx, "fetch", func(ctx context.Context) (string, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://example.com", nil)
		if err != nil {
			return "", err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	})
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(map[string]any{"acct": acct, "cents": cents})
	return fmt.Sprintf("%s %s", b, page), err
}
