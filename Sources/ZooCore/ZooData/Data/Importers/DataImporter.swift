// `zoo data import`: any supported source into a prepared clip store, atomically.
//
// Steps: detect the format; plan the sequences (names, splits, frame files) and check the structure
// before decoding anything (numbering, lengths, snippets, array types); choose channels, resize mode and
// splits (the source's own, KTH persons, or seeded); then decode, preprocess and append each sequence
// (PNG frames decode in parallel) and finish the store, which renames it into place only at the end.

import Foundation
import ZooTensor

/// Progress of a running import.
public struct ImportProgress: Sendable {
    /// Sequences written so far.
    public var sequencesDone: Int
    /// Sequences planned.
    public var sequenceCount: Int
    /// Frames written so far.
    public var framesDone: Int
    /// The sequence just written.
    public var lastName: String
}

/// Imports video data from local files into a clip store.
public enum DataImporter {
    /// Guesses the format: an `.h5`/`.hdf5` file → hdf5; a video file → video; a folder holding
    /// Cityscapes sequence files → cityscapes; a folder holding PNG files → png-folders; a folder of
    /// videos → video.
    public static func detectFormat(source: String) throws -> ImportFormat {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isFolder) else {
            throw ImportError(file: source, message: "no such file or folder")
        }
        let ext = (source as NSString).pathExtension.lowercased()
        if !isFolder.boolValue {
            if ["h5", "hdf5", "he5"].contains(ext) || HDF5File.isHDF5(path: source) { return .hdf5 }
            if VideoSource.extensions.contains(ext) { return .video }
            throw ImportError(file: source, message: "cannot tell the format of this file (expected .h5/.hdf5 or a "
                              + "video file); pass --format")
        }
        var sawPNG = false, sawVideo = false
        if let enumerator = FileManager.default.enumerator(atPath: source) {
            while let relative = enumerator.nextObject() as? String {
                let name = (relative as NSString).lastPathComponent
                if CityscapesSource.parse(name) != nil { return .cityscapes }
                let fileExt = (name as NSString).pathExtension.lowercased()
                if fileExt == "png" { sawPNG = true }
                if VideoSource.extensions.contains(fileExt) { sawVideo = true }
            }
        }
        if sawPNG { return .pngFolders }
        if sawVideo { return .video }
        throw ImportError(file: source, message: "found no PNG frames, Cityscapes sequence files or video files "
                          + "(an empty folder?); pass --format to say what it holds")
    }

    /// Imports `source` into a new store at `storePath`.
    /// - Parameters:
    ///   - progress: called after each sequence is written (from the calling thread).
    /// - Returns: what was written, with notes and skipped sequences.
    /// - Throws: `ImportError` naming the bad file and the problem; `ClipStoreError` when the store
    ///   cannot be written. Nothing appears at `storePath` unless the import succeeds.
    @discardableResult
    public static func importData(from source: String, to storePath: String, options: ImportOptions,
                                  progress: ((ImportProgress) -> Void)? = nil) throws -> ImportReport {
        guard options.size > 0, options.clipLength >= 1, options.snippetLength >= 1 else {
            throw ImportError(file: source, message: "size, clip length and snippet length must be positive")
        }
        if let channels = options.channels, channels != 1 && channels != 3 {
            throw ImportError(file: source, message: "channels must be 1 or 3, not \(channels)")
        }
        let format = try options.format ?? detectFormat(source: source)
        if options.format != nil, !FileManager.default.fileExists(atPath: source) {
            throw ImportError(file: source, message: "no such file or folder")
        }
        var notes: [String] = []
        var tools: FFmpegTools?
        var planned: [PlannedSequence]
        var nativeChannels = 3
        switch format {
        case .pngFolders:
            planned = try PNGFolderSource.plan(root: source)
            nativeChannels = try pngChannels(planned)
        case .cityscapes:
            guard options.clipLength <= options.snippetLength else {
                throw ImportError(file: source, message: "clip length \(options.clipLength) is longer than the "
                                  + "\(options.snippetLength)-frame Cityscapes snippets")
            }
            planned = try CityscapesSource.plan(root: source, snippetLength: options.snippetLength)
        case .hdf5:
            let (sequences, infos) = try HDF5ArraySource.plan(path: source, requested: options.hdf5Dataset)
            planned = sequences
            nativeChannels = infos.contains { $0.channels >= 3 } ? 3 : 1
            if infos.contains(where: { $0.channels == 4 }) { notes.append("alpha channel dropped") }
        case .video:
            let videoPlan = try VideoSource.plan(source: source)
            planned = videoPlan.sequences
            notes += videoPlan.notes
            let found = try FFmpegTools.locate(explicit: options.ffmpegPath, source: source)
            tools = found
            switch planned[0].frames {
            case .video(let first), .videoRange(let first, _, _):
                nativeChannels = try found.probe(first).pixelFormat.hasPrefix("gray") ? 1 : 3
            default: break
            }
        }

        // Splits: the source's own, KTH persons, or a seeded split.
        let rule = try assignSplits(&planned, options: options, source: source)
        notes.append("splits: \(rule.description)")
        let isKTH = rule.name == "kth-persons"
        let channels = options.channels ?? (isKTH ? 1 : nativeChannels)
        let resize = options.resize ?? (isKTH ? .stretch : .crop)

        // Length checks that need no decoding.
        var skipped: [String] = []
        planned = try planned.filter { sequence in
            guard let length = sequence.knownLength, length < options.clipLength else { return true }
            let reason = "\(sequence.origin): \(length) frames, fewer than the clip length \(options.clipLength)"
            if options.skipShort { skipped.append(reason); return false }
            throw ImportError(file: sequence.origin, message: "has \(length) frames, fewer than the clip length "
                              + "\(options.clipLength) (lower --clip-length, or pass --skip-short to leave such "
                              + "sequences out)")
        }
        guard !planned.isEmpty else {
            throw ImportError(file: source, message: "no sequence has at least \(options.clipLength) frames")
        }

        let metadata = ClipStoreMetadata(
            source: (source as NSString).standardizingPath, sourceFormat: format.rawValue, height: options.size,
            width: options.size, channels: channels, clipLength: options.clipLength,
            evalSplit: rule.evalSplit(present: Set(planned.compactMap(\.split))), splitRule: rule.description,
            resize: resize.rawValue)
        let writer = try ClipStoreWriter(path: storePath, metadata: metadata, gzipLevel: options.gzipLevel,
                                         overwrite: options.overwrite)
        let preprocessor = FramePreprocessor(size: options.size, channels: channels, resize: resize)
        var decoder = SequenceDecoder(preprocessor: preprocessor, tools: tools)
        var framesDone = 0
        var counts: [String: Int] = [:], frames: [String: Int] = [:]
        for (i, sequence) in planned.enumerated() {
            let data = try decoder.decode(sequence)
            let length = data.count / preprocessor.frameByteCount
            if length < options.clipLength {
                let reason = "\(sequence.origin): \(length) frames, fewer than the clip length \(options.clipLength)"
                if options.skipShort { skipped.append(reason); continue }
                throw ImportError(file: sequence.origin, message: "has \(length) frames, fewer than the clip length "
                                  + "\(options.clipLength) (lower --clip-length, or pass --skip-short)")
            }
            let split = sequence.split ?? "train"
            try writer.append(split: split, name: sequence.name, frames: data)
            counts[split, default: 0] += 1
            frames[split, default: 0] += length
            framesDone += length
            progress?(ImportProgress(sequencesDone: i + 1, sequenceCount: planned.count, framesDone: framesDone,
                                     lastName: sequence.name))
        }
        guard !counts.isEmpty else {
            throw ImportError(file: source, message: "no sequence has at least \(options.clipLength) frames")
        }
        var finalMetadata = metadata
        if counts[metadata.evalSplit] == nil {
            finalMetadata.evalSplit = rule.evalSplit(present: Set(counts.keys))
            try writer.setEvalSplit(finalMetadata.evalSplit)
        }
        if counts.keys.allSatisfy({ $0 == "train" }) {
            notes.append("no test split: evaluation will use the training sequences")
        }
        if isKTH {
            for split in ["val", "test"] where counts[split] != nil {
                try writer.setEvalStartFrame(DatasetSplits.kthEvalStartFrame, split: split)
            }
        }
        try writer.finish()
        notes += decoder.notes
        if !skipped.isEmpty { notes.append("\(skipped.count) sequence(s) shorter than the clip length left out") }
        return ImportReport(storePath: storePath, format: format, sequenceCounts: counts, frameCounts: frames,
                            skipped: skipped, notes: notes, metadata: finalMetadata)
    }

    /// 3 when the first frame of any sequence is in colour, else 1 (headers only).
    private static func pngChannels(_ sequences: [PlannedSequence]) throws -> Int {
        for sequence in sequences {
            guard case .pngFiles(let files) = sequence.frames, let first = files.first else { continue }
            do {
                if try PNGImage.header(path: first).channels >= 3 { return 3 }
            } catch let error as PNGError {
                throw ImportError(file: error.file, message: error.message)
            }
        }
        return 1
    }
}
