/// Where `Generator.generate(streaming:longestPrompt:)` takes its requests from and where it hands
/// each request's samples back.
public protocol GenerationFeed: AnyObject {
    /// Whether the generator may take requests before a slot is free for them, to prefill their
    /// prompts together (a fixed list: yes; a feed whose next answer depends on what came back: no).
    var prefetches: Bool { get }
    /// The next request to start, or nil when there is none for now. The generator asks again after
    /// each finished request, and ends when nothing decodes and this gives nil.
    func next() throws -> GenerationRequest?
    /// A request's samples in sample order, as soon as its last one ended; `ordinal` is the request's
    /// place in the order `next()` gave it (0, 1, …).
    func finished(_ samples: [GeneratedSample], ordinal: Int) throws
    /// True once the feed needs nothing more: the generation ends at once, the samples still
    /// decoding are dropped unreported.
    var isDone: Bool { get }
}

extension GenerationFeed {
    public var isDone: Bool { false }
}

/// A fixed list of requests. Each request's samples go to `handle` as soon as they end (with the
/// request's index in the list), or, without a handler, are collected in request order.
public final class ListFeed: GenerationFeed {
    public let requests: [GenerationRequest]
    public private(set) var results: [[GeneratedSample]]
    private let handle: (([GeneratedSample], Int) throws -> Void)?
    private var taken = 0

    public init(_ requests: [GenerationRequest], handle: (([GeneratedSample], Int) throws -> Void)? = nil) {
        self.requests = requests
        self.handle = handle
        results = handle == nil ? Array(repeating: [], count: requests.count) : []
    }

    public var prefetches: Bool { true }

    public func next() -> GenerationRequest? {
        guard taken < requests.count else { return nil }
        defer { taken += 1 }
        return requests[taken]
    }

    public func finished(_ samples: [GeneratedSample], ordinal: Int) throws {
        if let handle { try handle(samples, ordinal) } else { results[ordinal] = samples }
    }
}
