// Package golangci is the golangci-lint module plugin of the durablevet
// analyzer ([github.com/durablegen/durable/analyzer]).
//
// # Use
//
// golangci-lint links module plugins into a custom binary. Add
// .custom-gcl.yml to the repository root:
//
//	version: v2.15.0
//	plugins:
//	  - module: github.com/durablegen/durable/plugin/golangci
//	    import: github.com/durablegen/durable/plugin/golangci
//	    version: v0.1.0 # tags of this module: plugin/golangci/vX.Y.Z
//
// and enable the linter in .golangci.yml:
//
//	version: "2"
//	linters:
//	  enable:
//	    - durablevet
//	  settings:
//	    custom:
//	      durablevet:
//	        type: module
//	        description: determinism of durable workflows
//
// Then `golangci-lint custom` builds ./custom-gcl, and `./custom-gcl run
// ./...` reports durablevet's findings with the others. Findings carry
// the rule ID (DG001...) at the start of the message; //durable:ignore
// directives work as with go vet.
package golangci
