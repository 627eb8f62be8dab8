// Argument parsing of the `zoo` commands: flags land in the right properties, mistakes are rejected.
import ArgumentParser
import Testing
@testable import ZooCLI

@Test func rootParsesAndListsEveryCommand() throws {
    #expect(try Zoo.parseAsRoot([]) is Zoo)
    let names = Zoo.configuration.subcommands.compactMap { $0.configuration.commandName ?? String(describing: $0).lowercased() }
    for command in ["list", "info", "train", "eval", "sample", "compare", "data", "metrics", "weights", "doctor", "bench"] {
        #expect(Zoo.helpMessage().contains("  " + command), "zoo --help does not list \(command) (\(names))")
    }
}

@Test func benchHandsEveryArgumentToZooBench() throws {
    let bench = try #require(try Zoo.parseAsRoot(["bench", "--model", "rvd", "--quick", "--help"]) as? Zoo.Bench)
    #expect(bench.arguments == ["--model", "rvd", "--quick", "--help"])
    #expect(Zoo.Bench.benchProgram().hasSuffix("/zoo-bench"))
}

@Test func doctorFlags() throws {
    let plain = try #require(try Zoo.parseAsRoot(["doctor"]) as? Zoo.Doctor)
    #expect(!plain.json && !plain.noProbe)
    let both = try #require(try Zoo.parseAsRoot(["doctor", "--json", "--no-probe"]) as? Zoo.Doctor)
    #expect(both.json && both.noProbe)
}

@Test(arguments: [
    ["doctor", "--bogus"],
    ["doctor", "extra"],
    ["no-such-command"],
])
func badArgumentsAreRejected(_ arguments: [String]) {
    #expect(throws: (any Error).self) { try Zoo.parseAsRoot(arguments) }
}
