package memstore_test

import (
	"testing"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/memstore"
	"github.com/durablegen/durable/runtime/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) runtime.Store { return memstore.New() })
}
