package tables

// All returns every table, in registry order (registry_linux.go).
func All() []Interface { return registry }

// Lookup returns the table called name, or nil.
func Lookup(name string) Interface {
	for _, t := range registry {
		if t.TableName() == name {
			return t
		}
	}
	return nil
}
