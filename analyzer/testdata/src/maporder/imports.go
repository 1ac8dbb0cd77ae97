package maporder

import "github.com/durablegen/durable"

//durable:workflow
func Imports(ctx durable.Context, m map[int]string) (int, error) { // want Imports:"workflow"
	for id, name := range m { // want `DG009: range over map m .* calls step Notify`
		if err := Notify(ctx, name, id); err != nil {
			return 0, err
		}
	}
	return len(m), nil
}
