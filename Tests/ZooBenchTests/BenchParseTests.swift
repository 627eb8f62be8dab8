// Argument parsing of `zoo-bench`: flags land in the right properties, mistakes are rejected.
import ArgumentParser
import Testing
@testable import ZooBench

@Test func benchFlags() throws {
    let bench = try #require(try ZooBenchCommand.parseAsRoot([
        "--quick", "--torch", "/opt/venv/bin/python", "--markdown", "out.md", "--filter", "sgemm",
        "--warmup", "0", "--repetitions", "2", "--json",
    ]) as? ZooBenchCommand)
    #expect(bench.quick && bench.json)
    #expect(bench.python == "/opt/venv/bin/python")
    #expect(bench.markdown == "out.md")
    #expect(bench.filter == "sgemm")
    #expect(bench.options.warmup == 0 && bench.options.repetitions == 2 && bench.options.minimumRepetitions == 2)
    #expect(bench.selectedRows(filter: bench.filter).allSatisfy { $0.id.hasPrefix("sgemm") })

    let compare = try #require(try ZooBenchCommand.parseAsRoot(["--compare", "python3"]) as? ZooBenchCommand)
    #expect(compare.python == "python3" && !compare.quick && compare.options.repetitions == 10)
}

@Test func quickBenchLeavesOutTheLargestSgemm() throws {
    let quick = try #require(try ZooBenchCommand.parseAsRoot(["--quick"]) as? ZooBenchCommand)
    let ids = quick.selectedRows(filter: nil).map(\.id)
    #expect(ids.contains("sgemm n=2048 1T") && !ids.contains("sgemm n=4096 2T"))
    let full = try #require(try ZooBenchCommand.parseAsRoot([]) as? ZooBenchCommand)
    #expect(full.selectedRows(filter: nil).map(\.id).contains("sgemm n=4096 2T"))
}

@Test(arguments: [
    ["--repetitions", "0"],
    ["--warmup", "-1"],
    ["--repetitions", "many"],
    ["--filter", "no-such-row"],
    ["--torch"],
])
func badBenchArgumentsAreRejected(_ arguments: [String]) {
    #expect(throws: (any Error).self) { try ZooBenchCommand.parseAsRoot(arguments) }
}
