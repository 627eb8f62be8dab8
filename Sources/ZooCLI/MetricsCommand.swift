// `zoo metrics`: the paper's metrics for predictions from any source, read from HDF5 files.
import ArgumentParser
import Foundation
import ZooCore

/// Scores predictions on disk against the truth.
public struct Metrics: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Compute CRPS, PSNR, SSIM, MSE, LPIPS and FVD of predictions stored in HDF5 files.",
        discussion: """
            The truth file holds a uint8 dataset `frames` [N, T, H, W, C]; the predictions file a uint8 dataset \
            `frames` [N, S, T', H, W, C] (S samples per clip, C = 1 or 3). When T' < T the first T − T' true \
            frames are the context and the predictions follow them; when T' = T, --context K skips K leading \
            frames of both. CRPS, PSNR, SSIM, MSE and LPIPS score the predicted frames on the 0-255 scale (PSNR, \
            SSIM, MSE and LPIPS as the mean over samples and best of S); FVD compares the first sample of each \
            clip, context in front, with the true clips. LPIPS and FVD need `zoo weights fetch` once.
            """)

    @Option(name: .customLong("truth"), help: "HDF5 file with the true clips (uint8 `frames` [N, T, H, W, C]).")
    var truthPath: String
    @Option(name: .customLong("pred"), help: "HDF5 file with the predictions (uint8 `frames` [N, S, T', H, W, C]).")
    var predictionPath: String
    @Option(name: .customLong("metrics"), help: "Comma-separated: crps, mse, psnr, ssim, lpips, fvd, or all.")
    var metricList = "crps,psnr,ssim,lpips,fvd"
    @Option(name: .customLong("dataset"), help: "Dataset name in both files.")
    var dataset = "frames"
    @Option(name: .customLong("context"), help: "Leading context frames (default: T − T').")
    var context: Int?
    @Option(name: .customLong("clips"), help: "Score only the first N clips.")
    var clipLimit: Int?
    @Option(name: .customLong("batch"), help: "Clips read and scored at a time.")
    var batchSize = 8
    @Option(name: .customLong("heatmap"), help: "Write the CRPS heat map (per predicted frame) to this PNG.")
    var heatmapPath: String?
    @Option(name: .customLong("weights-dir"), help: "Metric weights folder (default: $ZOO_WEIGHTS_DIR or ~/.cache/zoo/weights).")
    var weightsDirectory: String?
    @Flag(name: .customLong("per-frame"), help: "Print the per-frame curves too (text output).")
    var perFrame = false
    @Flag(name: .customLong("json"), help: "Print one JSON object with a key per metric.")
    var json = false

    public init() {}

    public func validate() throws {
        _ = try parsedMetrics()
        if batchSize < 1 { throw ValidationError("--batch must be at least 1") }
        if let clipLimit, clipLimit < 1 { throw ValidationError("--clips must be at least 1") }
        if let context, context < 0 { throw ValidationError("--context must not be negative") }
    }

    func parsedMetrics() throws -> [MetricKind] {
        do { return try MetricKind.parseList(metricList) } catch { throw ValidationError("--metrics: \(error)") }
    }

    public func run() throws { try execute(.standardOutput()) }

    /// Runs the command, writing results to `sink`; returns the JSON object's fields.
    @discardableResult
    public func execute(_ sink: ResultSink) throws -> [String: Any] {
        let metrics = try parsedMetrics()
        let truthFile = try HDF5File(path: truthPath)
        let predFile = try HDF5File(path: predictionPath)
        defer { try? truthFile.close(); try? predFile.close() }
        let truthSet = try openFrames(truthFile, rank: 5, layout: "[N, T, H, W, C]")
        let predSet = try openFrames(predFile, rank: 6, layout: "[N, S, T', H, W, C]")
        let (ts, ps) = (truthSet.shape, predSet.shape)
        guard ts[2...4] == ps[3...5], ts[4] == 1 || ts[4] == 3 else {
            throw ZooError("frame sizes differ or channels are not 1 or 3: truth \(truthPath) is \(ts) [N, T, H, W, C], "
                           + "predictions \(predictionPath) are \(ps) [N, S, T', H, W, C]")
        }
        guard ps[0] >= 1, ps[1] >= 1 else { throw ZooError("\(predictionPath): no clips or no samples (\(ps))") }
        guard ps[0] <= ts[0] else {
            throw ZooError("\(predictionPath) holds \(ps[0]) predicted clips but \(truthPath) only \(ts[0]) true clips")
        }
        let clips = Swift.min(clipLimit ?? ps[0], ps[0])
        let samples = ps[1]
        let (layout, predicted): ((context: Int, skip: Int), Int)
        do { (layout, predicted) = try frameLayout(truthFrames: ts[1], predFrames: ps[2]) } catch {
            throw ZooError("\(error) (truth \(truthPath), predictions \(predictionPath))")
        }
        let side = Swift.min(ts[2], ts[3])
        if metrics.contains(.ssim) && side < SSIMParameters.minimumSize {
            throw ZooError("SSIM needs frames of at least \(SSIMParameters.minimumSize)x\(SSIMParameters.minimumSize), got \(ts[2])x\(ts[3])")
        }
        if metrics.contains(.lpips) && side < LPIPSNetwork.minimumSize {
            throw ZooError("LPIPS (AlexNet) needs frames of at least \(LPIPSNetwork.minimumSize)x\(LPIPSNetwork.minimumSize), got \(ts[2])x\(ts[3])")
        }
        if metrics.contains(.fvd) {
            if clips < 2 { throw ZooError("FVD needs at least 2 clips for its covariances; have \(clips)") }
            if layout.context + predicted < I3DNetwork.minimumFrames {
                throw ZooError("FVD's I3D needs clips of at least \(I3DNetwork.minimumFrames) frames; have \(layout.context + predicted)")
            }
        }
        let accumulator = try MetricAccumulator.withPretrainedNetworks(metrics: metrics, weightsDirectory: weightsDirectory)
        let started = Date()
        var done = 0
        while done < clips {
            let n = Swift.min(batchSize, clips - done)
            let truthAll = try readTruth(truthSet, clips: done..<(done + n))            // [n, T, C, H, W]
            let truth = truthAll.sliced(axis: 1, layout.context..<(layout.context + predicted))
            let contextFrames = layout.context > 0 ? truthAll.sliced(axis: 1, 0..<layout.context) : nil
            let pred = try readPredictions(predSet, clips: done..<(done + n)).sliced(axis: 2, layout.skip..<(layout.skip + predicted))
            accumulator.add(samples: pred, truth: truth, context: contextFrames)
            done += n
            note(String(format: "scored %d/%d clips (%.1f s)", done, clips, Date().timeIntervalSince(started)))
        }
        var object: [String: Any] = ["clips": clips, "samples": samples, "predicted_frames": predicted,
                                     "context_frames": layout.context, "seconds": Date().timeIntervalSince(started)]
        var table = TextTable(["metric", "mean", "best of S", "clips", "samples", "frames"], rightAligned: [1, 2, 3])
        for metric in metrics {
            if metric == .fvd, let f = try accumulator.fvdResult() {
                object["fvd"] = ["fvd": f.fvd, "real_clips": f.realClips, "generated_clips": f.generatedClips, "frames": f.frames,
                                 "samples_used": 1]
                table.add(["fvd", String(format: "%.3f", f.fvd), "-", "\(f.realClips)", "1 (first)", "\(f.frames) (incl. \(layout.context) context)"])
            } else if let s = accumulator.scores(metric) {
                let mean = s.mean
                var entry: [String: Any] = ["mean": mean.mean, "per_frame": mean.perFrame, "clips": s.clips, "samples": s.samples,
                                            "frames": s.frames, "higher_is_better": s.higherIsBetter]
                if let best = s.bestOfSamples {
                    entry["best_of_samples"] = best.mean
                    entry["best_of_samples_per_frame"] = best.perFrame
                }
                object[metric.rawValue] = entry
                table.add([metric.rawValue, String(format: "%.4f", mean.mean), s.bestOfSamples.map { String(format: "%.4f", $0.mean) } ?? "-",
                           "\(s.clips)", "\(s.samples)", "\(s.frames)"])
            }
        }
        if let heatmapPath, let map = accumulator.crpsMapMean {
            let rendered = Heatmap.render(map)
            try rendered.image.write(to: heatmapPath)
            object["crps_heatmap"] = ["path": heatmapPath, "top": rendered.top]
            note(String(format: "wrote the CRPS heat map to %@ (colour scale 0 to %.2f)", heatmapPath, rendered.top))
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            sink.line(String(decoding: data, as: UTF8.self))
        } else {
            sink.line(table.text())
            if perFrame {
                for metric in metrics where metric != .fvd {
                    guard let s = accumulator.scores(metric) else { continue }
                    sink.line("\(metric.rawValue) per frame: " + s.mean.perFrame.map { String(format: "%.4f", $0) }.joined(separator: " "))
                }
            }
        }
        return object
    }

    /// The uint8 dataset of a file with the expected rank.
    private func openFrames(_ file: HDF5File, rank: Int, layout: String) throws -> HDF5Dataset {
        guard file.exists(dataset) else { throw ZooError("\(file.path) has no dataset '\(dataset)' (expected uint8 \(layout))") }
        let set = try file.openDataset(dataset)
        guard set.shape.count == rank, set.elementType == .unsignedInteger(bytes: 1) else {
            throw ZooError("\(file.path): '\(dataset)' is \(set.elementType) \(set.shape); expected uint8 \(layout)")
        }
        return set
    }

    /// Context frames and how many leading prediction frames to skip.
    private func frameLayout(truthFrames t: Int, predFrames p: Int) throws -> ((context: Int, skip: Int), Int) {
        if p < t {
            let k = context ?? (t - p)
            guard k + p == t else { throw ZooError("--context \(k) + \(p) predicted frames ≠ \(t) true frames") }
            return ((k, 0), p)
        }
        guard p == t else { throw ZooError("predictions have \(p) frames, more than the truth's \(t)") }
        let k = context ?? 0
        guard k < t else { throw ZooError("--context \(k) leaves no predicted frame of \(t)") }
        return ((k, k), t - k)
    }

    /// Clips of the truth as [n, T, C, H, W] floats.
    private func readTruth(_ set: HDF5Dataset, clips: Range<Int>) throws -> Tensor {
        let s = set.shape
        let bytes: [UInt8] = try set.read(UInt8.self, start: [clips.lowerBound, 0, 0, 0, 0], count: [clips.count, s[1], s[2], s[3], s[4]])
        return channelsFirst(bytes, outer: clips.count * s[1], h: s[2], w: s[3], c: s[4]).reshaped([clips.count, s[1], s[4], s[2], s[3]])
    }

    /// Clips of the predictions as [n, S, T', C, H, W] floats.
    private func readPredictions(_ set: HDF5Dataset, clips: Range<Int>) throws -> Tensor {
        let s = set.shape
        let bytes: [UInt8] = try set.read(UInt8.self, start: [clips.lowerBound, 0, 0, 0, 0, 0],
                                          count: [clips.count, s[1], s[2], s[3], s[4], s[5]])
        return channelsFirst(bytes, outer: clips.count * s[1] * s[2], h: s[3], w: s[4], c: s[5])
            .reshaped([clips.count, s[1], s[2], s[5], s[3], s[4]])
    }

    /// [outer, H, W, C] bytes as a [outer, C, H, W] float tensor.
    private func channelsFirst(_ bytes: [UInt8], outer: Int, h: Int, w: Int, c: Int) -> Tensor {
        var values = [Float](repeating: 0, count: bytes.count)
        let plane = h * w
        for o in 0..<outer {
            for p in 0..<plane { for ch in 0..<c { values[(o * c + ch) * plane + p] = Float(bytes[(o * plane + p) * c + ch]) } }
        }
        return Tensor(shape: [outer, c, h, w], scalars: values)
    }
}
