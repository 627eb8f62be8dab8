import Testing
@testable import ZooCLI

@Test func rootParses() throws {
    _ = try Zoo.parseAsRoot([])
}
