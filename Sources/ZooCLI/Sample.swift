// `zoo sample`: futures from a checkpoint for given context frames, written as PNG frames, a strip and
// an animated PNG.
import ArgumentParser
import Foundation
import ModelZoo
import ZooCore

/// What `zoo sample --json` prints.
struct SampleReport: Codable {
    var model: String
    var samples: Int
    var frames: Int
    var context: [String]
    var frameFiles: [[String]]
    var strip: String
    var animation: String
    /// How context frames of another size were brought to the model's (nil: none needed it).
    var resized: String?
}

extension Zoo {
    /// `zoo sample --checkpoint CKPT --context DIR|FILE --frames N --samples S --out DIR`.
    public struct Sample: ParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Sample futures for given context frames; write PNG frames, a strip and an animated PNG.",
            discussion: """
                --context is a folder of PNG frames (name order; the last <context> frames of the model's \
                contract are used), one PNG holding the frames side by side, or a clip store (.h5; --clip \
                picks the test clip). Gray and RGB are converted. PNG frames of another size are resized to the \
                model's as `zoo data import` does (Pillow's bilinear filter; --resize crop: short side, then centre \
                crop; stretch: both sides), and the output says so; a strip must have the model's frame height.
                Output in --out: sample-<s>/frame-<t>.png for every sample s and predicted frame t; \
                strip.png (rows: context | sample s); animation.png, an animated PNG (APNG) showing the \
                samples side by side over time (viewers without APNG support show its first frame). Frames \
                smaller than 64 pixels are magnified in the strip and the animation.
                """)

        @Option(help: "The checkpoint (.h5).")
        public var checkpoint: String

        @Option(help: ArgumentHelp("Context frames: a folder of PNGs, a PNG strip, or a clip store.",
                                   valueName: "DIR|FILE"))
        public var context: String

        @Option(help: "Frames to predict (default: the model's contract).")
        public var frames: Int?

        @Option(help: "Samples to draw.")
        public var samples: Int = 4

        @Option(help: "The output folder.")
        public var out: String

        @Option(help: "Seed of the sampling.")
        public var seed: UInt64 = 0

        @Option(help: "With a clip store as --context: which test clip.")
        public var clip: Int = 0

        @Option(help: "How PNG frames of another size are fitted: crop (short side, then centre crop) or stretch.")
        public var resize: ResizeMode = .crop

        @Flag(help: "Use the raw weights even when the checkpoint holds EMA weights.")
        public var rawWeights = false

        @OptionGroup public var modelOptions: ModelOptions

        @OptionGroup public var output: OutputOptions

        public init() {}

        public func validate() throws {
            try checkCheckpointPath(checkpoint)
            guard FileManager.default.fileExists(atPath: context) else {
                throw ValidationError("--context \(context): no such file or folder")
            }
            if let frames, frames < 1 { throw ValidationError("--frames must be at least 1, got \(frames)") }
            guard samples >= 1 else { throw ValidationError("--samples must be at least 1, got \(samples)") }
            guard clip >= 0 else { throw ValidationError("--clip must be ≥ 0") }
        }

        public func run() throws { try execute(.standardOutput()) }

        /// Samples and writes the files; reports them to `sink`.
        public func execute(_ sink: ResultSink) throws {
            let (model, _) = try loadModel(checkpoint: checkpoint, strict: true, useEMA: !rawWeights)
            try modelOptions.apply(to: model)
            let c = model.contract
            let (contextFrames, names, resized) = try readContext(contract: c)
            let frameCount = frames ?? c.predictedFrames
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            } catch {
                throw ZooError("--out \(out): cannot create the folder (\(error.localizedDescription))")
            }
            var rng = RandomGenerator(seed: seed)
            let predicted = noGrad {
                model.predict(context: contextFrames, frameCount: frameCount, sampleCount: samples, rng: &rng)
            }
            var files: [[String]] = []
            for s in 0..<samples {
                let folder = out + String(format: "/sample-%02d", s)
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                let sampleFrames = predicted.selecting(axis: 1, s)                 // [1, T, C, H, W]
                files.append(try (0..<frameCount).map { t in
                    let path = folder + String(format: "/frame-%03d.png", t)
                    try FrameImages.image(sampleFrames, clip: 0, frame: t).write(to: path)
                    return path
                })
            }
            let stripPath = out + "/strip.png"
            try FrameGrid.sampleStrip(context: contextFrames, truth: nil, samples: predicted, clips: 1,
                                      scale: Sample.magnification(c)).write(to: stripPath)
            let animationPath = out + "/animation.png"
            try AnimatedPNG.write(animationFrames(context: contextFrames, predicted: predicted), to: animationPath)
            if output.json {
                sink.line(try jsonText(SampleReport(model: model.modelName, samples: samples, frames: frameCount,
                                                    context: names, frameFiles: files, strip: stripPath,
                                                    animation: animationPath, resized: resized)))
            } else {
                sink.line("\(model.modelName): \(samples) sample(s) of \(frameCount) frames from \(names.count) context "
                          + "frames (\(context))")
                if let resized { sink.line("context:   " + resized) }
                sink.line("frames:    \(out)/sample-NN/frame-NNN.png")
                sink.line("strip:     \(stripPath)")
                sink.line("animation: \(animationPath)")
            }
        }

        /// The context as [1, Tc, C, H, W], a description of where each frame came from, and how frames of
        /// another size were resized (nil when none was).
        func readContext(contract c: ClipContract) throws -> (Tensor, [String], String?) {
            var isFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: context, isDirectory: &isFolder)
            var images: [(name: String, image: PNGImage)] = []
            if isFolder.boolValue {
                let names = try FileManager.default.contentsOfDirectory(atPath: context)
                    .filter { $0.lowercased().hasSuffix(".png") }
                    .sorted { $0.localizedStandardCompare($1) == .orderedAscending }
                for name in names { images.append((context + "/" + name, try PNGImage.read(path: context + "/" + name))) }
            } else if context.lowercased().hasSuffix(".png") {
                let strip = try PNGImage.read(path: context)
                guard strip.height == c.height, strip.width % c.width == 0 else {
                    throw PredictorError.contractMismatch("\(context): a context strip must be \(c.height) pixels high "
                        + "and a multiple of \(c.width) wide (frames side by side); it is \(strip.width)x\(strip.height)")
                }
                for k in 0..<(strip.width / c.width) {
                    var pixels: [UInt8] = []
                    for y in 0..<c.height {
                        let from = (y * strip.width + k * c.width) * strip.channels
                        pixels += strip.pixels[from..<(from + c.width * strip.channels)]
                    }
                    images.append(("\(context)#\(k)", PNGImage(width: c.width, height: c.height, channels: strip.channels,
                                                               pixels: pixels)))
                }
            } else {
                let (frames, names) = try contextFromStore(contract: c)
                return (frames, names, nil)
            }
            guard images.count >= c.contextFrames else {
                throw PredictorError.contractMismatch("\(context): \(images.count) frame(s); the model needs "
                                                      + "\(c.contextFrames) context frames")
            }
            var used = Array(images.suffix(c.contextFrames))
            var resizedFrom: [String] = []
            for (i, frame) in used.enumerated() where frame.image.width != c.width || frame.image.height != c.height {
                guard c.height == c.width else {
                    throw PredictorError.contractMismatch("\(frame.name): the frame is \(frame.image.width)x\(frame.image.height); "
                        + "the model expects \(c.width)x\(c.height) (only square models resize their context)")
                }
                let fit = FramePreprocessor(size: c.height, channels: c.channels, resize: resize)
                let pixels = fit.process(frame.image.pixels, width: frame.image.width, height: frame.image.height,
                                         channels: frame.image.channels)
                let size = "\(frame.image.width)x\(frame.image.height)"
                if !resizedFrom.contains(size) { resizedFrom.append(size) }
                used[i].image = PNGImage(width: c.width, height: c.height, channels: c.channels, pixels: pixels)
            }
            let note = resizedFrom.isEmpty ? nil
                : "resized \(resizedFrom.joined(separator: ", ")) frames to the model's \(c.width)x\(c.height) as zoo data "
                    + "import does (Pillow bilinear, --resize \(resize.rawValue))"
            return (try FrameImages.video(from: used, channels: c.channels, height: c.height, width: c.width),
                    used.map(\.name), note)
        }

        private func contextFromStore(contract c: ClipContract) throws -> (Tensor, [String]) {
            let store = try ClipStore(path: context)
            var requirement = ContractRequirement(c, trainClipLength: 1)
            requirement.evalClipLength = c.contextFrames
            let data = try PreparedData.fit(store, spec: .store(context), contract: requirement)
            let batcher = try Batcher(source: data.test, batchSize: 1, clipLength: c.contextFrames,
                                      order: .fixed(startFrame: data.testStartFrame),
                                      pixelReduction: data.pixelReduction, prefetch: 0)
            guard clip < batcher.eligibleSequences.count else {
                throw ZooError("--clip \(clip): \(context) has \(batcher.eligibleSequences.count) test clips")
            }
            let batch = try batcher.batch(at: clip)
            return (batch.frames, (0..<c.contextFrames).map { "\(context) clip \(clip) frame \(batch.startFrames[0] + $0)" })
        }

        /// Small frames are drawn larger in the strip and the animation (to at least 64 pixels).
        static func magnification(_ c: ClipContract) -> Int { Swift.max(1, 64 / Swift.max(c.height, c.width)) }

        /// Animation frames: at each time step, the samples side by side (context frames repeated first).
        func animationFrames(context: Tensor, predicted: Tensor) -> [PNGImage] {
            let c = context.shape, p = predicted.shape
            let (channels, height, width) = (c[2], c[3], c[4])
            let frameSize = channels * height * width
            var out: [PNGImage] = []
            for t in 0..<(c[1] + p[2]) {
                var grid = FrameGrid(height: height, width: width, channels: channels,
                                     scale: Sample.magnification(ClipContract(channels: channels, height: height, width: width,
                                                                               contextFrames: 1, predictedFrames: 1)))
                grid.addRow((0..<p[1]).map { s in
                    t < c[1]
                        ? FrameImages.frameBytes(context, offset: t * frameSize, channels: channels, height: height, width: width)
                        : FrameImages.frameBytes(predicted, offset: (s * p[2] + t - c[1]) * frameSize, channels: channels,
                                                 height: height, width: width)
                })
                out.append(grid.render())
            }
            return out
        }
    }
}
