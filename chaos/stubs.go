package main

func stopScenarios() []*scenario     { return nil }
func termScenarios() []*scenario     { return nil }
func poisonScenarios() []*scenario   { return nil }
func databaseScenarios() []*scenario { return nil }
func clockScenarios() []*scenario    { return nil }
