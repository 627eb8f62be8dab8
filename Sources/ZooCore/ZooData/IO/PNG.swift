// Reading and writing 8-bit PNG images (gray, gray+alpha, RGB, RGBA) through libpng's simplified
// API (png_image_*), which reports errors through return values, so no setjmp is needed from Swift.
//
// What the simplified API does that matters here:
// - 8-bit files are read as stored: what `write` wrote reads back bit-exact.
// - Palette files are expanded to RGB or RGBA; gray files with a tRNS chunk gain an alpha channel.
// - 16-bit files are converted to 8 bits (v·255/65535, rounded) and `convertedFrom16Bit` is set. They
//   are treated as sRGB-encoded unless the file says otherwise; a file carrying a gAMA chunk (8- or
//   16-bit) is converted to sRGB gamma, which changes values when the stated gamma is not sRGB's.

import CPNG
import Foundation
import ZooTensor

/// A failed PNG read or write: `file` is the path ("<memory>" for in-memory data), `message` the problem
/// (libpng's message where it gave one).
public typealias PNGError = FileError<PNGErrorKind>

/// Tells `PNGError` apart from the other `FileError`s.
public enum PNGErrorKind {}

/// An 8-bit image: `pixels` holds `height × width × channels` bytes, row-major, channels interleaved.
public struct PNGImage: Equatable, Sendable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA).
    public var channels: Int
    /// The samples, `[height, width, channels]` row-major.
    public var pixels: [UInt8]
    /// Whether the file held 16-bit samples that were converted to 8 bits on reading.
    public var convertedFrom16Bit = false

    /// Creates an image; `pixels.count` must be `width * height * channels`.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        require((1...4).contains(channels), "PNGImage: channels must be 1...4, got \(channels)")
        require(pixels.count == width * height * channels,
                     "PNGImage: \(pixels.count) bytes for \(width)x\(height)x\(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// Images are equal when their size, channels and samples are.
    public static func == (a: PNGImage, b: PNGImage) -> Bool {
        a.width == b.width && a.height == b.height && a.channels == b.channels && a.pixels == b.pixels
    }

    // MARK: - Reading

    /// The size and channel count stored in a PNG file's header, without decoding the pixels.
    public static func header(path: String) throws -> (width: Int, height: Int, channels: Int) {
        var image = png_image()
        image.version = zoo_png_image_version()
        defer { png_image_free(&image) }
        try begin(&image, file: path) { png_image_begin_read_from_file(&$0, path) }
        return (Int(image.width), Int(image.height), channelCount(image.format))
    }

    /// Reads a PNG file with its own channel count (1, 2, 3 or 4).
    /// - Throws: `PNGError` naming the file for missing, non-PNG, corrupt or truncated files.
    public static func read(path: String) throws -> PNGImage {
        var image = png_image()
        image.version = zoo_png_image_version()
        defer { png_image_free(&image) }
        try begin(&image, file: path) { png_image_begin_read_from_file(&$0, path) }
        return try finish(&image, file: path)
    }

    /// Decodes PNG bytes held in memory; `name` is used in error messages.
    public static func decode(_ data: Data, name: String = "<memory>") throws -> PNGImage {
        var image = png_image()
        image.version = zoo_png_image_version()
        defer { png_image_free(&image) }
        return try data.withUnsafeBytes { bytes in
            try begin(&image, file: name) {
                png_image_begin_read_from_memory(&$0, bytes.baseAddress, bytes.count)
            }
            return try finish(&image, file: name)
        }
    }

    private static func channelCount(_ format: png_uint_32) -> Int {
        (format & PNG_FORMAT_FLAG_COLOR != 0 ? 3 : 1) + (format & PNG_FORMAT_FLAG_ALPHA != 0 ? 1 : 0)
    }

    private static func begin(_ image: inout png_image, file: String,
                              _ call: (inout png_image) -> Int32) throws {
        if file != "<memory>" && !FileManager.default.fileExists(atPath: file) {
            throw PNGError(file: file, message: "no such file")
        }
        guard call(&image) != 0 else {
            let message = libpngMessage(image)
            throw PNGError(file: file, message: "cannot read the PNG header"
                           + (message.isEmpty ? "" : ": \(message)") + " (not a PNG, or damaged?)")
        }
    }

    private static func finish(_ image: inout png_image, file: String) throws -> PNGImage {
        let fileFormat = image.format
        let sixteenBit = fileFormat & PNG_FORMAT_FLAG_LINEAR != 0
        let channels = channelCount(fileFormat)
        // Request 8-bit samples with the file's own channels (no compositing, no colour conversion).
        image.format = (fileFormat & (PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA))
        if sixteenBit { image.flags |= png_uint_32(PNG_IMAGE_FLAG_16BIT_sRGB) }
        let width = Int(image.width), height = Int(image.height)
        guard width > 0, height > 0, width * height <= 1 << 28 else {
            throw PNGError(file: file, message: "unsupported image size \(width)x\(height)")
        }
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        let ok = pixels.withUnsafeMutableBytes {
            png_image_finish_read(&image, nil, $0.baseAddress, 0, nil)
        }
        guard ok != 0 else {
            let message = libpngMessage(image)
            throw PNGError(file: file, message: "corrupt or truncated PNG data"
                           + (message.isEmpty ? "" : ": \(message)"))
        }
        var result = PNGImage(width: width, height: height, channels: channels, pixels: pixels)
        result.convertedFrom16Bit = sixteenBit
        return result
    }

    private static func libpngMessage(_ image: png_image) -> String {
        withUnsafeBytes(of: image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    // MARK: - Writing

    private func writeDescriptor() -> png_image {
        var image = png_image()
        image.version = zoo_png_image_version()
        image.width = png_uint_32(width)
        image.height = png_uint_32(height)
        image.format = (channels >= 3 ? PNG_FORMAT_FLAG_COLOR : 0) | (channels % 2 == 0 ? PNG_FORMAT_FLAG_ALPHA : 0)
        return image
    }

    /// Writes the image as an 8-bit PNG (reads back bit-exact).
    /// - Throws: `PNGError` naming the file when it cannot be written.
    public func write(to path: String) throws {
        var image = writeDescriptor()
        defer { png_image_free(&image) }
        let ok = pixels.withUnsafeBytes { png_image_write_to_file(&image, path, 0, $0.baseAddress, 0, nil) }
        guard ok != 0 else {
            let message = PNGImage.libpngMessage(image)
            let folder = (path as NSString).deletingLastPathComponent
            let hint = folder.isEmpty || FileManager.default.fileExists(atPath: folder) ? "" : " (no folder \(folder))"
            throw PNGError(file: path, message: "cannot write the PNG" + (message.isEmpty ? "" : ": \(message)") + hint)
        }
    }

    /// The image encoded as PNG bytes.
    public func encoded() throws -> Data {
        var image = writeDescriptor()
        defer { png_image_free(&image) }
        var size = 0
        let sized = pixels.withUnsafeBytes { png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, 0, nil) }
        guard sized != 0, size > 0 else {
            throw PNGError(file: "<memory>", message: "cannot encode: \(PNGImage.libpngMessage(image))")
        }
        var data = Data(count: size)
        image = writeDescriptor()
        let ok = data.withUnsafeMutableBytes { out in
            pixels.withUnsafeBytes { png_image_write_to_memory(&image, out.baseAddress, &size, 0, $0.baseAddress, 0, nil) }
        }
        guard ok != 0 else {
            throw PNGError(file: "<memory>", message: "cannot encode: \(PNGImage.libpngMessage(image))")
        }
        return data.prefix(size)
    }
}
