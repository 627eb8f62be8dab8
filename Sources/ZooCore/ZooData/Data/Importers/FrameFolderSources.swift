// Finding sequences on disk: folders of numbered PNG frames (BAIR, KTH and most preprocessed video
// datasets) and Cityscapes' leftImg8bit_sequence files grouped into snippets.

import Foundation
import ZooTensor

enum PNGFolderSource {
    /// Image extensions we recognise but cannot decode, to give a clear message instead of "no frames".
    static let otherImageExtensions: Set = ["jpg", "jpeg", "bmp", "gif", "tif", "tiff", "webp", "ppm"]

    /// One sequence per folder that directly holds `.png` files, in natural name order.
    /// - Throws: `ImportError` for empty folders, folders of non-PNG images, frame names without a
    ///   number, and two frames with the same number.
    static func plan(root: String) throws -> [PlannedSequence] {
        var sequences: [PlannedSequence] = []
        try walk(root: root, relative: "", into: &sequences)
        guard !sequences.isEmpty else {
            throw ImportError(file: root, message: "no PNG frames found (expected one folder of numbered "
                              + "PNG frames per sequence)")
        }
        return sequences
    }

    private static func walk(root: String, relative: String, into sequences: inout [PlannedSequence]) throws {
        let folder = relative.isEmpty ? root : root + "/" + relative
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: folder)
                .filter { !$0.hasPrefix(".") }.sorted(by: naturalLess)
        } catch {
            throw ImportError(file: folder, message: "cannot list the folder: \(error.localizedDescription)")
        }
        guard !entries.isEmpty else {
            throw ImportError(file: folder, message: "empty folder (a sequence folder holds numbered PNG frames; "
                              + "remove the folder or fill it)")
        }
        var pngs: [String] = [], others: [String] = [], folders: [String] = []
        for name in entries {
            var isFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: folder + "/" + name, isDirectory: &isFolder)
            let ext = (name as NSString).pathExtension.lowercased()
            if isFolder.boolValue { folders.append(name) }
            else if ext == "png" { pngs.append(name) }
            else if otherImageExtensions.contains(ext) { others.append(name) }
        }
        if pngs.isEmpty, let example = others.first {
            throw ImportError(file: folder + "/" + example, message: "only PNG frames can be imported "
                              + "(convert them first, e.g. with ffmpeg or ImageMagick)")
        }
        if !pngs.isEmpty {
            let files = try orderFrames(pngs, folder: folder)
            let name = relative.isEmpty ? (root as NSString).lastPathComponent : relative
            sequences.append(PlannedSequence(name: name, split: nil, origin: folder,
                                             frames: .pngFiles(files), knownLength: files.count))
        }
        for sub in folders {
            try walk(root: root, relative: relative.isEmpty ? sub : relative + "/" + sub, into: &sequences)
        }
    }

    /// Full paths of the frames sorted by the number in their names.
    static func orderFrames(_ names: [String], folder: String) throws -> [String] {
        var numbered: [(Int, String)] = []
        for name in names {
            guard let number = frameNumber(of: name) else {
                throw ImportError(file: folder + "/" + name, message: "frame name without a number (frames are "
                                  + "ordered by the number in their names, e.g. 0001.png or image-12.png)")
            }
            numbered.append((number, name))
        }
        numbered.sort { $0.0 != $1.0 ? $0.0 < $1.0 : naturalLess($0.1, $1.1) }
        for (a, b) in zip(numbered, numbered.dropFirst()) where a.0 == b.0 {
            throw ImportError(file: folder + "/" + b.1, message: "has the same frame number (\(b.0)) as "
                              + "\(a.1); the frame order would be ambiguous")
        }
        return numbered.map { folder + "/" + $0.1 }
    }
}

enum CityscapesSource {
    /// Splits a Cityscapes sequence file name `city_seq_frame_leftImg8bit.png` into its parts.
    static func parse(_ fileName: String) -> (city: String, sequence: Int, frame: Int)? {
        let suffix = "_leftImg8bit.png"
        guard fileName.hasSuffix(suffix) else { return nil }
        let parts = fileName.dropLast(suffix.count).split(separator: "_")
        guard parts.count >= 3, let frame = Int(parts[parts.count - 1]), let sequence = Int(parts[parts.count - 2]),
              parts[parts.count - 1].allSatisfy(\.isNumber), parts[parts.count - 2].allSatisfy(\.isNumber) else {
            return nil
        }
        return (parts.dropLast(2).joined(separator: "_"), sequence, frame)
    }

    /// Snippets of `snippetLength` consecutive frames per (folder, city, sequence), split from the folder
    /// structure (`.../train/...`, `.../val/...`, `.../test/...`).
    /// - Throws: `ImportError` when no file matches, a file sits outside train/val/test, or a run of
    ///   consecutive frames is not a whole number of snippets (missing or extra files).
    static func plan(root: String, snippetLength: Int) throws -> [PlannedSequence] {
        guard let enumerator = FileManager.default.enumerator(atPath: root) else {
            throw ImportError(file: root, message: "cannot list the folder")
        }
        struct Key: Hashable { var folder: String; var city: String; var sequence: Int }
        var groups: [Key: [(frame: Int, relative: String)]] = [:]
        while let relative = enumerator.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            guard let parsed = parse(name) else { continue }
            let key = Key(folder: (relative as NSString).deletingLastPathComponent, city: parsed.city,
                          sequence: parsed.sequence)
            groups[key, default: []].append((parsed.frame, relative))
        }
        guard !groups.isEmpty else {
            throw ImportError(file: root, message: "no Cityscapes sequence frames (city_seq_frame_leftImg8bit.png) found")
        }
        var sequences: [PlannedSequence] = []
        for key in groups.keys.sorted(by: { naturalLess($0.folder + "/" + $0.city + "\($0.sequence)",
                                                        $1.folder + "/" + $1.city + "\($1.sequence)") }) {
            let frames = groups[key]!.sorted { $0.frame < $1.frame }
            guard let split = DatasetSplits.folderSplit(in: frames[0].relative) else {
                throw ImportError(file: root + "/" + frames[0].relative, message: "cannot tell the split: "
                                  + "Cityscapes files sit under train/, val/ or test/")
            }
            var runStart = 0
            for i in 1...frames.count where i == frames.count || frames[i].frame != frames[i - 1].frame + 1 {
                let run = frames[runStart..<i]
                guard run.count % snippetLength == 0 else {
                    throw ImportError(file: root + "/" + run.first!.relative, message: "starts a run of \(run.count) "
                                      + "consecutive frames, not a whole number of \(snippetLength)-frame snippets "
                                      + "(missing or extra files?)")
                }
                for s in stride(from: run.startIndex, to: run.endIndex, by: snippetLength) {
                    let snippet = frames[s..<(s + snippetLength)]
                    let first = snippet.first!.relative
                    let name = String(first.dropLast("_leftImg8bit.png".count))
                    sequences.append(PlannedSequence(name: name, split: split, origin: root + "/" + first,
                                                     frames: .pngFiles(snippet.map { root + "/" + $0.relative }),
                                                     knownLength: snippetLength))
                }
                runStart = i
            }
        }
        return sequences
    }
}
