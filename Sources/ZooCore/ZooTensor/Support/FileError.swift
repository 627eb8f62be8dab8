// The one error type for "this file or folder is at fault, and this is why", shared by the readers and
// writers whose errors name a path. Each use has its own tag type, so a caller still catches a PNG
// failure apart from a clip-store one: `PNGError`, `ClipStoreError`, `ImportError`, `RunDirectoryError`.

/// A failure tied to one file or folder, described as "file: message". `Kind` only tells the uses apart.
public struct FileError<Kind>: Error, CustomStringConvertible, Equatable {
    /// The file or folder at fault.
    public var file: String
    /// What went wrong and, where possible, what to do.
    public var message: String

    /// Creates an error.
    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }

    /// "file: message".
    public var description: String { "\(file): \(message)" }
}
