// Video files (mp4, avi, ...) decoded by ffmpeg in a subprocess: ffprobe gives the frame size, ffmpeg
// streams raw RGB24 frames on its stdout (every decoded frame, no rate conversion: `-vsync 0`).

import Foundation
import ZooTensor

/// The ffmpeg and ffprobe executables to run.
struct FFmpegTools: Sendable {
    var ffmpeg: String
    var ffprobe: String

    static let installHint = "install it (Debian/Ubuntu: sudo apt-get install -y ffmpeg) or pass --ffmpeg /path/to/ffmpeg"

    /// Finds the tools: `explicit` (from --ffmpeg), else `$ZOO_FFMPEG`, else `ffmpeg` on `PATH`; ffprobe
    /// from `$ZOO_FFPROBE`, else next to ffmpeg, else on `PATH`.
    /// - Throws: `ImportError` naming `source` when either tool is missing.
    static func locate(explicit: String?, source: String,
                       environment: [String: String] = ProcessInfo.processInfo.environment) throws -> FFmpegTools {
        let fm = FileManager.default
        let ffmpeg: String
        if let given = explicit ?? environment["ZOO_FFMPEG"] {
            let origin = explicit != nil ? "--ffmpeg" : "$ZOO_FFMPEG"
            guard fm.isExecutableFile(atPath: given) else {
                throw ImportError(file: source, message: "importing video needs ffmpeg, but \(given) (from \(origin)) "
                                  + "is not an executable file; \(installHint)")
            }
            ffmpeg = given
        } else if let found = searchPath("ffmpeg", environment: environment) {
            ffmpeg = found
        } else {
            throw ImportError(file: source, message: "importing video needs ffmpeg, which was not found on PATH; "
                              + installHint + " (or import the frames as PNG folders)")
        }
        let sibling = (ffmpeg as NSString).deletingLastPathComponent + "/ffprobe"
        let candidates = [environment["ZOO_FFPROBE"], sibling].compactMap { $0 }
        guard let ffprobe = candidates.first(where: { fm.isExecutableFile(atPath: $0) })
                ?? searchPath("ffprobe", environment: environment) else {
            throw ImportError(file: source, message: "importing video needs ffprobe (part of ffmpeg), which was not "
                              + "found next to \(ffmpeg) or on PATH; \(installHint)")
        }
        return FFmpegTools(ffmpeg: ffmpeg, ffprobe: ffprobe)
    }

    static func searchPath(_ name: String, environment: [String: String]) -> String? {
        for folder in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = String(folder) + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Width, height and pixel format of the first video stream.
    func probe(_ file: String) throws -> (width: Int, height: Int, pixelFormat: String) {
        let result = try Subprocess.run(ffprobe, ["-v", "error", "-select_streams", "v:0", "-show_entries",
                                                   "stream=width,height,pix_fmt", "-of", "default=noprint_wrappers=1",
                                                   file])
        guard result.status == 0 else {
            throw ImportError(file: file, message: "ffprobe cannot read the file: \(result.errorTail)")
        }
        var fields: [String: String] = [:]
        for line in String(decoding: result.output, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        guard let width = fields["width"].flatMap(Int.init), let height = fields["height"].flatMap(Int.init),
              width > 0, height > 0 else {
            throw ImportError(file: file, message: "has no video stream that ffprobe can read")
        }
        return (width, height, fields["pix_fmt"] ?? "")
    }

    /// Decodes every frame as `[height, width, 3]` RGB24 bytes and hands each to `body` in order. A damaged
    /// or truncated file fails (ffmpeg's `-xerror`) instead of giving the frames before the damage.
    /// - Returns: the number of frames decoded.
    func decode(_ file: String, width: Int, height: Int, _ body: ([UInt8]) throws -> Void) throws -> Int {
        let frameBytes = width * height * 3
        var frames = 0
        let result = try Subprocess.stream(ffmpeg, ["-v", "error", "-xerror", "-nostdin", "-i", file, "-map", "0:v:0",
                                                     "-vsync", "0", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
                                           chunkSize: frameBytes) { frame in
            try body(frame)
            frames += 1
        }
        guard result.status == 0 else {
            throw ImportError(file: file, message: "ffmpeg could not decode the file: \(result.errorTail)")
        }
        guard result.leftoverBytes == 0 else {
            throw ImportError(file: file, message: "ffmpeg's output ended in a partial frame")
        }
        guard frames > 0 else { throw ImportError(file: file, message: "ffmpeg decoded no frames") }
        return frames
    }
}

/// Running a tool and collecting its output, without blocking on a full stderr pipe.
enum Subprocess {
    struct Result {
        var status: Int32
        var output: Data
        var errors: Data
        var leftoverBytes = 0

        /// The last lines of stderr, for error messages.
        var errorTail: String {
            let text = String(decoding: errors, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let lines = text.split(separator: "\n").suffix(3).joined(separator: " | ")
            return lines.isEmpty ? "no message" : lines
        }
    }

    /// Runs to completion and returns stdout and stderr.
    static func run(_ tool: String, _ arguments: [String]) throws -> Result {
        var output = Data()
        var result = try stream(tool, arguments, chunkSize: 1 << 16, acceptPartial: true) { output.append(contentsOf: $0) }
        result.output = output
        return result
    }

    /// Runs the tool and calls `body` with each complete `chunkSize`-byte block of its stdout.
    /// If `body` throws, the tool is terminated and the error rethrown.
    static func stream(_ tool: String, _ arguments: [String], chunkSize: Int, acceptPartial: Bool = false,
                       _ body: ([UInt8]) throws -> Void) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw ImportError(file: tool, message: "cannot start: \(error.localizedDescription)")
        }
        // stderr is drained on another thread so a chatty tool cannot block on a full pipe.
        let errorBox = DataBox()
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            errorBox.data = err.fileHandleForReading.readDataToEndOfFile()
            drained.signal()
        }
        var pending: [UInt8] = []
        pending.reserveCapacity(chunkSize * 2)
        do {
            while true {
                let data = out.fileHandleForReading.availableData
                if data.isEmpty { break }
                pending.append(contentsOf: data)
                var offset = 0
                while pending.count - offset >= chunkSize {
                    try body(Array(pending[offset..<(offset + chunkSize)]))
                    offset += chunkSize
                }
                if offset > 0 { pending.removeFirst(offset) }
            }
            if acceptPartial && !pending.isEmpty {
                try body(pending)
                pending = []
            }
        } catch {
            process.terminate()
            process.waitUntilExit()
            drained.wait()
            throw error
        }
        process.waitUntilExit()
        drained.wait()
        return Result(status: process.terminationStatus, output: Data(), errors: errorBox.data,
                      leftoverBytes: pending.count)
    }

    private final class DataBox: @unchecked Sendable { var data = Data() }
}

enum VideoSource {
    static let extensions: Set = ["mp4", "avi", "mov", "mkv", "webm", "mpg", "mpeg", "m4v", "wmv", "flv"]

    /// The name of KTH's annotation of sub-sequences (one line per video: its name, then frame ranges).
    static let kthSequenceFile = "00sequences.txt"

    /// One sequence per video file: the file itself, or every video under a folder in natural order. When the
    /// folder holds KTH's `00sequences.txt`, each annotated video is cut into its sub-sequences instead
    /// (`<video>-seqK`), and videos without an annotation are left out (with a note).
    static func plan(source: String) throws -> (sequences: [PlannedSequence], notes: [String]) {
        var isFolder: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: source, isDirectory: &isFolder)
        guard isFolder.boolValue else {
            let name = ((source as NSString).lastPathComponent as NSString).deletingPathExtension
            return ([PlannedSequence(name: name, split: nil, origin: source, frames: .video(source), knownLength: nil)], [])
        }
        guard let enumerator = FileManager.default.enumerator(atPath: source) else {
            throw ImportError(file: source, message: "cannot list the folder")
        }
        var files: [String] = []
        var annotation: String?
        while let relative = enumerator.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name == kthSequenceFile, annotation == nil { annotation = source + "/" + relative }
            if !name.hasPrefix("."), extensions.contains((name as NSString).pathExtension.lowercased()) {
                files.append(relative)
            }
        }
        guard !files.isEmpty else {
            throw ImportError(file: source, message: "no video files (\(extensions.sorted().joined(separator: ", "))) found")
        }
        files.sort(by: naturalLess)
        guard let annotation else {
            return (files.map { relative in
                PlannedSequence(name: (relative as NSString).deletingPathExtension, split: nil,
                                origin: source + "/" + relative, frames: .video(source + "/" + relative), knownLength: nil)
            }, [])
        }
        let ranges = try kthSequences(in: annotation)
        var planned: [PlannedSequence] = []
        var unannotated: [String] = []
        for relative in files {
            let stem = (relative as NSString).deletingPathExtension
            let key = kthVideoKey(stem)
            guard let list = ranges[key] else { unannotated.append(relative); continue }
            for (k, range) in list.enumerated() {
                planned.append(PlannedSequence(name: stem + "-seq\(k + 1)", split: nil,
                                               origin: source + "/" + relative + " (frames \(range.lowerBound)-\(range.upperBound))",
                                               frames: .videoRange(source + "/" + relative, start: range.lowerBound - 1,
                                                                   count: range.count),
                                               knownLength: range.count))
            }
        }
        guard !planned.isEmpty else {
            throw ImportError(file: annotation, message: "annotates none of the \(files.count) video file(s) under \(source)")
        }
        var notes = ["sub-sequences from \(annotation): \(planned.count) from \(files.count - unannotated.count) video(s)"]
        if !unannotated.isEmpty {
            notes.append("\(unannotated.count) video(s) without a line in \(kthSequenceFile) left out (e.g. \(unannotated[0]))")
        }
        return (planned, notes)
    }

    /// A KTH video's key in `00sequences.txt`: its file name without folders, extension and `_uncomp`.
    static func kthVideoKey(_ stem: String) -> String {
        var name = (stem as NSString).lastPathComponent
        if name.hasSuffix("_uncomp") { name.removeLast("_uncomp".count) }
        return name
    }

    /// Parses KTH's `00sequences.txt`: lines `person01_boxing_d1   frames  1-95, 96-185, ...` (1-based,
    /// inclusive ranges); other lines (the header, blank lines) are skipped.
    /// - Throws: `ImportError` naming the file and line for a line that names a video but has a bad range.
    static func kthSequences(in path: String) throws -> [String: [ClosedRange<Int>]] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ImportError(file: path, message: "cannot read the sub-sequence annotation (\(error.localizedDescription))")
        }
        var out: [String: [ClosedRange<Int>]] = [:]
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let tokens = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            guard tokens.count >= 2, tokens[0].hasPrefix("person"), let marker = tokens.firstIndex(of: "frames") else { continue }
            let list = tokens[(marker + 1)...].joined().split(separator: ",")
            var ranges: [ClosedRange<Int>] = []
            for item in list {
                let ends = item.split(separator: "-").compactMap { Int($0) }
                guard ends.count == 2, ends[0] >= 1, ends[1] >= ends[0] else {
                    throw ImportError(file: path, message: "line \(number + 1): '\(item)' is not a frame range FIRST-LAST")
                }
                ranges.append(ends[0]...ends[1])
            }
            if !ranges.isEmpty { out[tokens[0]] = ranges }
        }
        guard !out.isEmpty else {
            throw ImportError(file: path, message: "no line of the form 'person01_boxing_d1  frames  1-95, 96-185'")
        }
        return out
    }
}
