// Sequences from HDF5 arrays: uint8 `[N, T, H, W, C]` (C = 1, 3 or 4) or `[N, T, H, W]`, one
// sequence per row, read row by row so files larger than memory import fine.

import Foundation
import ZooTensor

enum HDF5ArraySource {
    /// Shape facts of one source dataset.
    struct ArrayInfo {
        var path: String
        var count: Int
        var length: Int
        var height: Int
        var width: Int
        var channels: Int
        var rank: Int
    }

    /// Checks a dataset's type and rank and returns its shape facts.
    static func inspect(_ file: HDF5File, dataset path: String) throws -> ArrayInfo {
        let where_ = "\(file.path) (dataset \(path))"
        let dataset: HDF5Dataset
        do { dataset = try file.openDataset(path) } catch let error as HDF5Error {
            throw ImportError(file: where_, message: error.message)
        }
        defer { dataset.close() }
        let shape = dataset.shape
        guard dataset.elementType == .unsignedInteger(bytes: 1) else {
            throw ImportError(file: where_, message: "holds \(dataset.elementType) values; frames must be uint8 "
                              + "(0-255): convert the array first, e.g. np.clip(x * 255, 0, 255).astype(np.uint8)")
        }
        guard shape.count == 4 || shape.count == 5 else {
            throw ImportError(file: where_, message: "has rank \(shape.count) (shape \(shape)); expected "
                              + "[N, T, H, W, C] or [N, T, H, W]")
        }
        let channels = shape.count == 5 ? shape[4] : 1
        guard [1, 3, 4].contains(channels) else {
            throw ImportError(file: where_, message: "has shape \(shape): the last axis (\(channels)) is not a "
                              + "channel count of 1, 3 or 4; expected [N, T, H, W, C] or [N, T, H, W]")
        }
        guard shape[0] > 0, shape[1] > 0, shape[2] > 0, shape[3] > 0 else {
            throw ImportError(file: where_, message: "is empty (shape \(shape))")
        }
        return ArrayInfo(path: path, count: shape[0], length: shape[1], height: shape[2], width: shape[3],
                         channels: channels, rank: shape.count)
    }

    /// The datasets to import: the one asked for; else those whose path names a split
    /// (train/test/val); else the only dataset in the file.
    static func chooseDatasets(_ file: HDF5File, requested: String?) throws -> [(path: String, split: String?)] {
        if let requested {
            return [(hdf5NormalizedPath(requested), nil)]
        }
        let all: [String]
        do { all = try file.datasetPaths() } catch let error as HDF5Error {
            throw ImportError(file: file.path, message: "cannot list the datasets: \(error.message)")
        }
        guard !all.isEmpty else { throw ImportError(file: file.path, message: "holds no datasets") }
        let named = all.compactMap { path in DatasetSplits.folderSplit(in: path + "/x").map { (path, Optional($0)) } }
        if !named.isEmpty { return named }
        guard all.count == 1 else {
            throw ImportError(file: file.path, message: "holds several datasets (\(all.joined(separator: ", "))); "
                              + "choose one with --dataset, or name them train/test/val")
        }
        return [(all[0], nil)]
    }

    /// One planned sequence per row of each chosen dataset.
    static func plan(path: String, requested: String?) throws -> (sequences: [PlannedSequence], infos: [ArrayInfo]) {
        let file: HDF5File
        do { file = try HDF5File(path: path) } catch let error as HDF5Error {
            throw ImportError(file: path, message: error.message)
        }
        defer { try? file.close() }
        var sequences: [PlannedSequence] = []
        var infos: [ArrayInfo] = []
        for (dataset, split) in try chooseDatasets(file, requested: requested) {
            let info = try inspect(file, dataset: dataset)
            infos.append(info)
            let digits = String(info.count - 1).count
            for row in 0..<info.count {
                let number = String(row)
                let padded = String(repeating: "0", count: digits - number.count) + number
                sequences.append(PlannedSequence(
                    name: "\(dataset.dropFirst())[\(padded)]", split: split, origin: "\(path) (dataset \(dataset), row \(row))",
                    frames: .hdf5(file: path, dataset: dataset, index: row), knownLength: info.length))
            }
        }
        return (sequences, infos)
    }

    /// Reads row `index` as `[T, H, W, C]` bytes (C = 1 for rank-4 arrays).
    static func readRow(_ dataset: HDF5Dataset, index: Int) throws -> (frames: [UInt8], info: ArrayInfo) {
        let shape = dataset.shape
        var count = shape
        count[0] = 1
        var start = shape.map { _ in 0 }
        start[0] = index
        let frames = try dataset.read(UInt8.self, start: start, count: count)
        let info = ArrayInfo(path: dataset.path, count: shape[0], length: shape[1], height: shape[2], width: shape[3],
                             channels: shape.count == 5 ? shape[4] : 1, rank: shape.count)
        return (frames, info)
    }
}
