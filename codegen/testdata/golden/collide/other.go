package collide

// An import name of another file is a package-level name the generated
// file cannot declare.
import orderFrame1 "strings"

var orderSites1 = orderFrame1.ToUpper("x")
