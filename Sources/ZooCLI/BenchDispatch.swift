// `zoo bench ARGS`: runs the benchmark program `zoo-bench ARGS`, built beside `zoo`. Benchmarks live in a
// target of their own (Sources/ZooBench) so that the command line depends on no model.
import ArgumentParser
import Foundation

extension Zoo {
    /// Hands its arguments to `zoo-bench`.
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Benchmarks against PyTorch (runs zoo-bench; `zoo bench --help` shows its options).")

        @Argument(parsing: .captureForPassthrough, help: "Arguments for zoo-bench.")
        var arguments: [String] = []

        /// `zoo-bench` beside this executable.
        static func benchProgram() -> String {
            let link = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            let base = link.path == "/proc/self/exe" ? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL : link
            return base.deletingLastPathComponent().appendingPathComponent("zoo-bench").path
        }

        func run() throws {
            let program = Self.benchProgram()
            guard FileManager.default.isExecutableFile(atPath: program) else {
                throw ZooError("zoo bench: \(program) is missing; build it with `swift build -c release --product zoo-bench`")
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = arguments
            do { try process.run() } catch { throw ZooError("zoo bench: cannot start \(program): \(error)") }
            process.waitUntilExit()
            if process.terminationStatus != 0 { throw ExitCode(process.terminationStatus) }
        }
    }
}
