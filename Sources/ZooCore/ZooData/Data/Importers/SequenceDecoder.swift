// Decoding planned sequences into preprocessed `[T, size, size, channels]` bytes, and choosing splits.

import Dispatch
import Foundation
import ZooTensor

/// How sequences were put into splits.
struct SplitRule {
    /// "folders", "kth-persons" or "seeded".
    var name: String
    /// Stored in the store's `splitRule` attribute.
    var description: String

    /// The split evaluation should use by default.
    func evalSplit(present: Set<String>) -> String {
        if name == "kth-persons" && present.contains("val") { return "val" }
        for candidate in ["test", "val"] where present.contains(candidate) { return candidate }
        return present.sorted().first ?? "test"
    }
}

extension DataImporter {
    /// Gives every planned sequence a split: the source's own (folders named train/test/val, Cityscapes,
    /// HDF5 dataset names), else KTH's person split when every name carries a KTH person number, else a
    /// seeded train/test split.
    static func assignSplits(_ planned: inout [PlannedSequence], options: ImportOptions,
                             source: String) throws -> SplitRule {
        for i in planned.indices where planned[i].split == nil {
            planned[i].split = DatasetSplits.folderSplit(in: planned[i].name)
        }
        if let withSplit = planned.first(where: { $0.split != nil }) {
            if let without = planned.first(where: { $0.split == nil }) {
                throw ImportError(file: without.origin, message: "is not under a train/test/val folder, but "
                                  + "\(withSplit.origin) is; put every sequence under one, or none")
            }
            return SplitRule(name: "folders", description: "folders")
        }
        let persons = planned.map { DatasetSplits.kthPerson(in: $0.name) }
        if persons.allSatisfy({ $0.flatMap(DatasetSplits.kthSplit(person:)) != nil }) {
            for i in planned.indices { planned[i].split = DatasetSplits.kthSplit(person: persons[i]!) }
            return SplitRule(name: "kth-persons", description: "kth-persons (train 11-18; val 1, 4, 19-21, 23-25; "
                             + "test 2, 3, 5-10, 22)")
        }
        let splits = DatasetSplits.seededSplit(count: planned.count, testFraction: options.testFraction,
                                               seed: options.seed)
        for i in planned.indices { planned[i].split = splits[i] }
        return SplitRule(name: "seeded", description: "seeded(seed=\(options.seed), testFraction=\(options.testFraction))")
    }
}

extension FramePreprocessor {
    /// Bytes in one output frame.
    public var frameByteCount: Int { size * size * channels }
}

/// Turns planned sequences into store frames; keeps HDF5 sources open between rows.
struct SequenceDecoder {
    let preprocessor: FramePreprocessor
    let tools: FFmpegTools?
    private(set) var notes: [String] = []
    private var datasets: [String: HDF5Dataset] = [:]
    /// The last video decoded whole (its sub-sequences follow each other, so each file is decoded once).
    private var lastVideo: (file: String, frames: [UInt8])?

    init(preprocessor: FramePreprocessor, tools: FFmpegTools?) {
        self.preprocessor = preprocessor
        self.tools = tools
    }

    private mutating func note(_ text: String) { if !notes.contains(text) { notes.append(text) } }

    mutating func decode(_ sequence: PlannedSequence) throws -> [UInt8] {
        switch sequence.frames {
        case .pngFiles(let files): return try decodePNGs(files)
        case .hdf5(let file, let dataset, let index): return try decodeRow(file: file, dataset: dataset, index: index)
        case .video(let file): return try decodeVideo(file)
        case .videoRange(let file, let start, let count): return try decodeVideoRange(file, start: start, count: count)
        }
    }

    /// Decodes and preprocesses the frames in parallel; every frame must have the first frame's size.
    private mutating func decodePNGs(_ files: [String]) throws -> [UInt8] {
        let first: (width: Int, height: Int, channels: Int)
        do { first = try PNGImage.header(path: files[0]) } catch let error as PNGError {
            throw ImportError(file: error.file, message: error.message)
        }
        let frameBytes = preprocessor.frameByteCount
        var output = [UInt8](repeating: 0, count: files.count * frameBytes)
        var failures = [ImportError?](repeating: nil, count: files.count)
        var sixteenBit = [Bool](repeating: false, count: files.count)
        let preprocessor = self.preprocessor
        output.withUnsafeMutableBufferPointer { out in
            failures.withUnsafeMutableBufferPointer { fail in
                sixteenBit.withUnsafeMutableBufferPointer { deep in
                    DispatchQueue.concurrentPerform(iterations: files.count) { i in
                        do {
                            let image = try PNGImage.read(path: files[i])
                            guard image.width == first.width && image.height == first.height else {
                                fail[i] = ImportError(file: files[i], message: "is \(image.width)x\(image.height), but "
                                    + "the sequence's first frame \((files[0] as NSString).lastPathComponent) is "
                                    + "\(first.width)x\(first.height); frames in a sequence must share one size")
                                return
                            }
                            deep[i] = image.convertedFrom16Bit
                            let frame = preprocessor.process(image.pixels, width: image.width, height: image.height,
                                                             channels: image.channels)
                            for j in 0..<frameBytes { out[i * frameBytes + j] = frame[j] }
                        } catch let error as PNGError {
                            fail[i] = ImportError(file: error.file, message: error.message)
                        } catch {
                            fail[i] = ImportError(file: files[i], message: "\(error)")
                        }
                    }
                }
            }
        }
        if let failure = failures.compactMap({ $0 }).first { throw failure }
        if sixteenBit.contains(true) { note("16-bit PNG frames were converted to 8 bits") }
        if first.channels == 2 || first.channels == 4 { note("alpha channel dropped") }
        return output
    }

    private mutating func decodeRow(file: String, dataset path: String, index: Int) throws -> [UInt8] {
        let key = file + "\u{0}" + path
        do {
            if datasets[key] == nil { datasets[key] = try HDF5File(path: file).openDataset(path) }
            let (frames, info) = try HDF5ArraySource.readRow(datasets[key]!, index: index)
            let sourceBytes = info.height * info.width * info.channels
            var output: [UInt8] = []
            output.reserveCapacity(info.length * preprocessor.frameByteCount)
            for t in 0..<info.length {
                let frame = Array(frames[(t * sourceBytes)..<((t + 1) * sourceBytes)])
                output += preprocessor.process(frame, width: info.width, height: info.height, channels: info.channels)
            }
            return output
        } catch let error as HDF5Error {
            throw ImportError(file: "\(file) (dataset \(path), row \(index))", message: error.message)
        }
    }

    /// Frames `start ..< start + count` of a video (decoded whole once for all its sub-sequences). An annotated
    /// range that runs past the video's end is cut at the end, with a note.
    private mutating func decodeVideoRange(_ file: String, start: Int, count: Int) throws -> [UInt8] {
        if lastVideo?.file != file { lastVideo = (file, try decodeVideo(file)) }
        let frames = lastVideo!.frames
        let frameBytes = preprocessor.frameByteCount
        let available = frames.count / frameBytes
        guard start < available else {
            throw ImportError(file: file, message: "the annotated sub-sequence starting at frame \(start + 1) lies past the "
                              + "video's \(available) frames")
        }
        let end = Swift.min(start + count, available)
        if end < start + count {
            note("an annotated sub-sequence ran past its video's last frame and was cut there (e.g. \(file): frames "
                 + "\(start + 1)-\(start + count), the video has \(available))")
        }
        return Array(frames[(start * frameBytes)..<(end * frameBytes)])
    }

    private mutating func decodeVideo(_ file: String) throws -> [UInt8] {
        guard let tools else { throw ImportError(file: file, message: "ffmpeg was not located") }
        let (width, height, _) = try tools.probe(file)
        var output: [UInt8] = []
        let preprocessor = self.preprocessor
        _ = try tools.decode(file, width: width, height: height) { frame in
            output += preprocessor.process(frame, width: width, height: height, channels: 3)
        }
        return output
    }
}
