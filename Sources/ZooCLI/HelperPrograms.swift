// Finding the repository's helper scripts (Tools/…) from a built `zoo`, wherever it is run from, and running
// helper programs (pip, tar, python scripts) with their stdout captured.
import Foundation

/// A file of the zoo source tree, such as a script under Tools/.
///
/// `explicit` when given (it must exist); else `relative` under the current directory, under the executable's
/// folder or up to four of its ancestors (.build/release/zoo → the package root), or under the source tree this
/// binary was built from.
/// - Parameters:
///   - relative: the path from the package root ("Tools/weights/convert_weights.py").
///   - explicit: a path the user gave, used as is.
///   - what: the file in words for messages ("converter script").
///   - option: the flag that names the file explicitly ("--converter").
/// - Throws: `ZooError` naming the missing file and the flag.
package func locateSourceTreeFile(_ relative: String, explicit: String?, what: String, option: String) throws -> String {
    let fm = FileManager.default
    if let explicit {
        guard fm.fileExists(atPath: explicit) else { throw ZooError("\(option) \(explicit): no \(what) there") }
        return explicit
    }
    var candidates = [fm.currentDirectoryPath + "/" + relative]
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    for _ in 0..<5 {
        candidates.append(dir.appendingPathComponent(relative).path)
        dir.deleteLastPathComponent()
    }
    // Sources/ZooCLI/HelperPrograms.swift → the package root.
    let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    candidates.append(source.appendingPathComponent(relative).path)
    if let found = candidates.first(where: { fm.fileExists(atPath: $0) }) { return found }
    throw ZooError("cannot find the \(what) \(relative); run zoo from the repository root or pass \(option) PATH")
}

/// Runs a program and waits for it: a bare name is looked up on PATH (through /usr/bin/env); stdout is
/// captured, stderr passes through to ours.
/// - Parameters:
///   - environment: the program's environment (default: ours).
///   - what: the program's job in words, for the message when it cannot start.
/// - Returns: the exit status and everything it wrote to stdout.
/// - Throws: `ZooError` when it cannot be started.
package func runProgram(_ program: String, _ arguments: [String], environment: [String: String]? = nil, what: String) throws
    -> (status: Int32, stdout: Data)
{
    let process = Process()
    if let environment { process.environment = environment }
    if program.contains("/") {
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
    } else {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
    }
    let stdout = Pipe()
    process.standardOutput = stdout
    process.standardError = FileHandle.standardError
    do { try process.run() } catch { throw ZooError("\(what): cannot start \(program): \(error.localizedDescription)") }
    let data = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, data)
}
