// A small HDF5 wrapper: create/open files, groups (with intermediate creation), listing, and
// convenience reads and writes of whole datasets. Used by the clip store and by checkpoints.
//
// Example:
//     let file = try HDF5File.create(path: "run/last.h5")
//     try file.write([1, 2, 3, 4] as [Float], shape: [2, 2], to: "/params/linear/weight")
//     try file.setAttribute("step", .int(1200))
//     try file.close()
//     let (values, shape) = try HDF5File(path: "run/last.h5").read(Float.self, from: "/params/linear/weight")

import CHDF5
import Foundation
import ZooTensor

/// An open HDF5 file. Closed by `close()` or when the last reference (including open datasets) goes.
///
/// Files are opened with HDF5's "strong" close degree: `close()` also closes every dataset still open
/// on the file, so a closed file is really closed (and flushed) before, say, an atomic rename.
public final class HDF5File {
    /// How to open an existing file.
    public enum Mode: Sendable {
        /// Read only; several processes may read at once.
        case readOnly
        /// Read and write.
        case readWrite
    }

    /// The path given when the file was opened or created (used in error messages).
    public let path: String
    /// HDF5's identifier for the open file (valid while `isOpen`).
    public private(set) var id: hid_t
    /// Whether `close()` has not been called yet.
    public private(set) var isOpen: Bool

    private init(path: String, id: hid_t) {
        self.path = path
        self.id = id
        self.isOpen = true
    }

    /// Opens an existing file.
    /// - Throws: `HDF5Error` when the file is missing, is not HDF5, or is damaged.
    public convenience init(path: String, mode: Mode = .readOnly) throws {
        hdf5Begin()
        guard FileManager.default.fileExists(atPath: path) else {
            throw HDF5Error(file: path, message: "no such file")
        }
        let isHDF5 = H5Fis_hdf5(path)
        guard isHDF5 > 0 else {
            let detail = hdf5Detail()
            throw HDF5Error(file: path, message: isHDF5 == 0 ? "not an HDF5 file"
                            : "cannot be read as HDF5" + (detail.isEmpty ? "" : " (\(detail))"))
        }
        let fapl = HDF5File.strongCloseAccessList()
        defer { H5Pclose(fapl) }
        let flags = mode == .readOnly ? zoo_h5f_acc_rdonly() : zoo_h5f_acc_rdwr()
        let id = H5Fopen(path, flags, fapl)
        guard id >= 0 else {
            throw HDF5Error(file: path, message: "cannot open (damaged or truncated HDF5 file?): \(hdf5Detail())")
        }
        self.init(path: path, id: id)
    }

    /// Creates a new file; an existing file at `path` is replaced when `overwrite` is true.
    /// - Throws: `HDF5Error` when the file exists and `overwrite` is false, or cannot be created.
    public static func create(path: String, overwrite: Bool = true) throws -> HDF5File {
        hdf5Begin()
        let fapl = strongCloseAccessList()
        defer { H5Pclose(fapl) }
        let flags = overwrite ? zoo_h5f_acc_trunc() : zoo_h5f_acc_excl()
        let id = H5Fcreate(path, flags, zoo_h5p_default(), fapl)
        guard id >= 0 else {
            let exists = FileManager.default.fileExists(atPath: path)
            let reason = exists && !overwrite ? "already exists" : "cannot create the file: \(hdf5Detail())"
            throw HDF5Error(file: path, message: reason)
        }
        return HDF5File(path: path, id: id)
    }

    /// Whether the file at `path` exists and starts with the HDF5 signature.
    public static func isHDF5(path: String) -> Bool {
        hdf5Begin()
        return FileManager.default.fileExists(atPath: path) && H5Fis_hdf5(path) > 0
    }

    private static func strongCloseAccessList() -> hid_t {
        let fapl = H5Pcreate(zoo_h5p_file_access())
        H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG)
        return fapl
    }

    deinit { if isOpen { H5Fclose(id) } }

    /// Flushes and closes the file (and any dataset still open on it). Calling it twice is harmless.
    /// - Throws: `HDF5Error` when HDF5 fails to write out buffered data.
    public func close() throws {
        hdf5Begin()
        guard isOpen else { return }
        isOpen = false
        if H5Fclose(id) < 0 { throw error(nil, "closing failed: \(hdf5Detail())") }
    }

    /// Writes buffered data to disk without closing.
    public func flush() throws {
        try checkOpen(nil)
        if H5Fflush(id, H5F_SCOPE_GLOBAL) < 0 { throw error(nil, "flush failed: \(hdf5Detail())") }
    }

    func error(_ object: String?, _ message: String) -> HDF5Error {
        HDF5Error(file: path, object: object, message: message)
    }

    func checkOpen(_ object: String?) throws {
        hdf5Begin()
        guard isOpen else { throw error(object, "the file is closed") }
    }

    // MARK: - Objects

    /// The kind of object at a path.
    public enum ObjectKind: Sendable, Equatable {
        case group, dataset, other
    }

    /// Whether a group or dataset exists at `path` ("/" always does).
    public func exists(_ path: String) -> Bool {
        hdf5Begin()
        guard isOpen else { return false }
        var prefix = ""
        for part in hdf5NormalizedPath(path).split(separator: "/") {
            prefix += "/" + part
            if H5Lexists(id, prefix, zoo_h5p_default()) <= 0 { return false }
        }
        return true
    }

    /// What is at `path`, or nil when nothing is.
    public func kind(of path: String) -> ObjectKind? {
        guard exists(path) else { return nil }
        let object = H5Oopen(id, hdf5NormalizedPath(path), zoo_h5p_default())
        guard object >= 0 else { return nil }
        defer { H5Oclose(object) }
        switch H5Iget_type(object) {
        case H5I_GROUP: return .group
        case H5I_DATASET: return .dataset
        default: return .other
        }
    }

    /// Creates a group and any missing groups above it; an existing group is left as it is.
    /// - Throws: `HDF5Error` when a dataset sits on the path or the file is read-only.
    public func createGroup(_ path: String) throws {
        let path = hdf5NormalizedPath(path)
        try checkOpen(path)
        if let kind = kind(of: path) {
            if kind == .group { return }
            throw error(path, "cannot create a group: a dataset already has this name")
        }
        let lcpl = intermediateLinkList()
        defer { H5Pclose(lcpl) }
        let group = H5Gcreate2(id, path, lcpl, zoo_h5p_default(), zoo_h5p_default())
        guard group >= 0 else { throw error(path, "cannot create the group: \(hdf5Detail())") }
        H5Gclose(group)
    }

    /// A link-creation property list that creates missing intermediate groups (caller closes it).
    func intermediateLinkList() -> hid_t {
        let lcpl = H5Pcreate(zoo_h5p_link_create())
        H5Pset_create_intermediate_group(lcpl, 1)
        return lcpl
    }

    /// Names (not paths) of the objects directly inside a group, sorted by name.
    public func children(of group: String = "/") throws -> [String] {
        let group = hdf5NormalizedPath(group)
        try checkOpen(group)
        guard kind(of: group) == .group else { throw error(group, "no such group") }
        let gid = H5Gopen2(id, group, zoo_h5p_default())
        guard gid >= 0 else { throw error(group, "cannot open the group: \(hdf5Detail())") }
        defer { H5Gclose(gid) }
        var info = H5G_info_t()
        guard H5Gget_info(gid, &info) >= 0 else { throw error(group, "cannot list the group: \(hdf5Detail())") }
        var names: [String] = []
        for index in 0..<info.nlinks {
            let length = H5Lget_name_by_idx(gid, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, zoo_h5p_default())
            guard length >= 0 else { throw error(group, "cannot read a link name: \(hdf5Detail())") }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            H5Lget_name_by_idx(gid, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, zoo_h5p_default())
            names.append(String(cString: buffer))
        }
        return names.sorted()
    }

    /// Paths of every dataset at or below `group`, depth first, sorted by name at each level.
    public func datasetPaths(under group: String = "/") throws -> [String] {
        try datasetPaths(under: hdf5NormalizedPath(group), depth: 0)
    }

    /// Groups nested deeper than this are taken for a cycle of links (a damaged or crafted file).
    static let maximumGroupDepth = 64

    private func datasetPaths(under group: String, depth: Int) throws -> [String] {
        guard depth < HDF5File.maximumGroupDepth else {
            throw error(group, "groups nest deeper than \(HDF5File.maximumGroupDepth) levels (a cycle of links?)")
        }
        var paths: [String] = []
        for name in try children(of: group) {
            let child = group == "/" ? "/" + name : group + "/" + name
            switch kind(of: child) {
            case .dataset: paths.append(child)
            case .group: paths += try datasetPaths(under: child, depth: depth + 1)
            default: break
            }
        }
        return paths
    }

    /// Removes the link to an object (HDF5 does not shrink the file; write a new file to reclaim space).
    public func remove(_ path: String) throws {
        let path = hdf5NormalizedPath(path)
        try checkOpen(path)
        guard exists(path) else { throw error(path, "no such object") }
        if H5Ldelete(id, path, zoo_h5p_default()) < 0 { throw error(path, "cannot remove: \(hdf5Detail())") }
    }

    // MARK: - Whole datasets

    /// Writes a new dataset holding `values` laid out row-major in `shape` (`[]` for a scalar).
    /// - Throws: `HDF5Error` when the path is taken or `values.count` does not match `shape`.
    public func write<T: HDF5Scalar>(_ values: [T], shape: [Int], to path: String,
                                     options: HDF5DatasetOptions = .init()) throws {
        let dataset = try createDataset(path, of: T.self, shape: shape, options: options)
        try dataset.write(values)
        dataset.close()
    }

    /// Reads a whole dataset whose stored type is exactly `T`'s.
    /// - Returns: the values row-major and the shape.
    public func read<T: HDF5Scalar>(_ type: T.Type, from path: String) throws -> (values: [T], shape: [Int]) {
        let dataset = try openDataset(path)
        defer { dataset.close() }
        return (try dataset.read(T.self), dataset.shape)
    }

    /// Writes a new one-dimensional dataset of variable-length UTF-8 strings.
    public func write(_ strings: [String], to path: String) throws {
        let path = hdf5NormalizedPath(path)
        let dataset = try createDataset(path, type: HDF5StringType.variable(), ownsType: true,
                                        elementType: .string, shape: [strings.count], options: .init())
        defer { dataset.close() }
        try dataset.writeStrings(strings)
    }

    /// Reads a one-dimensional (or scalar) dataset of fixed- or variable-length strings.
    public func readStrings(from path: String) throws -> [String] {
        let dataset = try openDataset(path)
        defer { dataset.close() }
        return try dataset.readStrings()
    }
}

/// Variable-length UTF-8 string types (caller closes them).
enum HDF5StringType {
    static func variable() -> hid_t {
        let type = H5Tcopy(zoo_h5t_c_s1())
        H5Tset_size(type, zoo_h5t_variable())
        H5Tset_cset(type, H5T_CSET_UTF8)
        return type
    }
}
