package pos

import (
	"database/sql"
	"fmt"

	"github.com/durablegen/durable"
)

type Ledger struct{ DB *sql.DB }

// Balance queries the database outside a step.
//
//durable:workflow
func (l *Ledger) Balance(ctx durable.Context, acct string) (int64, error) {
	var cents int64
	err := l.DB.QueryRow("SELECT cents FROM accounts WHERE id = $1", acct).Scan(&cents) // finding: DG005 DG005
	fmt.Println("balance", acct, cents)                                                 // finding: DG005
	return cents, err
}
