// Argument parsing of the `zoo` commands: flags land in the right properties, mistakes are rejected.
import ArgumentParser
import Testing
@testable import ZooCLI

@Test func rootParses() throws {
    _ = try Zoo.parseAsRoot([])
}

@Test func doctorFlags() throws {
    let plain = try #require(try Zoo.parseAsRoot(["doctor"]) as? Zoo.Doctor)
    #expect(!plain.json && !plain.noProbe)
    let both = try #require(try Zoo.parseAsRoot(["doctor", "--json", "--no-probe"]) as? Zoo.Doctor)
    #expect(both.json && both.noProbe)
}

@Test func benchFlags() throws {
    let bench = try #require(try Zoo.parseAsRoot([
        "bench", "--quick", "--torch", "/opt/venv/bin/python", "--markdown", "out.md", "--filter", "sgemm",
        "--warmup", "0", "--repetitions", "2", "--json",
    ]) as? Zoo.Bench)
    #expect(bench.quick && bench.json)
    #expect(bench.python == "/opt/venv/bin/python")
    #expect(bench.markdown == "out.md")
    #expect(bench.filter == "sgemm")
    #expect(bench.options.warmup == 0 && bench.options.repetitions == 2 && bench.options.minimumRepetitions == 2)
    #expect(bench.selectedRows(filter: bench.filter).allSatisfy { $0.id.hasPrefix("sgemm") })

    let compare = try #require(try Zoo.parseAsRoot(["bench", "--compare", "python3"]) as? Zoo.Bench)
    #expect(compare.python == "python3" && !compare.quick && compare.options.repetitions == 10)
}

@Test func quickBenchLeavesOutTheLargestSgemm() throws {
    let quick = try #require(try Zoo.parseAsRoot(["bench", "--quick"]) as? Zoo.Bench)
    let ids = quick.selectedRows(filter: nil).map(\.id)
    #expect(ids.contains("sgemm n=2048 1T") && !ids.contains("sgemm n=4096 2T"))
    let full = try #require(try Zoo.parseAsRoot(["bench"]) as? Zoo.Bench)
    #expect(full.selectedRows(filter: nil).map(\.id).contains("sgemm n=4096 2T"))
}

@Test(arguments: [
    ["doctor", "--bogus"],
    ["doctor", "extra"],
    ["bench", "--repetitions", "0"],
    ["bench", "--warmup", "-1"],
    ["bench", "--repetitions", "many"],
    ["bench", "--filter", "no-such-row"],
    ["bench", "--torch"],
    ["no-such-command"],
])
func badArgumentsAreRejected(_ arguments: [String]) {
    #expect(throws: (any Error).self) { try Zoo.parseAsRoot(arguments) }
}
