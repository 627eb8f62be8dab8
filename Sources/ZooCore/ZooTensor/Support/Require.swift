// Checks on arguments and shapes that survive release builds with their message.

/// Stops the program with `message` (file and line included) when `condition` is false, in debug and
/// release builds alike. Swift's `precondition` also checks in release (-O) builds but drops its message
/// there; a user who passes a wrong-shaped tensor or a file that slips past validation should read what
/// was wrong, so ZooCore's op and API boundaries use this instead.
@inline(__always)
public func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                    file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { requirementFailed(message(), file: file, line: line) }
}

/// The failure path, kept out of line so that `require` stays small where it is inlined.
@inline(never)
public func requirementFailed(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    fatalError(message, file: file, line: line)
}
