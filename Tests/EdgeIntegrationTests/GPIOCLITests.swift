import EdgeTestSupport
import Testing

/// `edgeflow gpio` on the build machine, which has no GPIO chips: every mistake and every
/// missing chip gets a message and the documented exit code (2 usage, 1 a chip or line), never a
/// crash. Lines on real chips are tested in the gpio-sim VM (Tests/gpio-vm).
struct GPIOCLITests {
    @Test func aLineOfABoardWhoseChipIsMissingSaysSoAndExitsOne() throws {
        let r = try EdgeflowBinary.run(["gpio", "get", "GPIO17", "--board", "rpi4b", "--boards-dir", "\(EdgeflowBinary.root)/boards"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("line GPIO17 is on chip 'pinctrl-bcm2711' of board 'rpi4b', which this machine does not have"), "\(r.stderr)")
        #expect(r.stderr.contains("hint: this machine has no GPIO chips"))
    }

    @Test func anUnknownLineGetsTheBoardsNearestName() throws {
        let r = try EdgeflowBinary.run(["gpio", "watch", "GPOI17", "--board", "rpi4b", "--boards-dir", "\(EdgeflowBinary.root)/boards"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("no line 'GPOI17' on board 'rpi4b' or on this machine's chips"), "\(r.stderr)")
        #expect(r.stderr.contains("did you mean 'GPIO17'?"))
    }

    @Test func usageMistakesExitTwoWithWhatWasExpected() throws {
        let cases: [([String], String)] = [
            (["gpio", "set", "GPIO27", "2"], "the value must be 0 or 1, not 2"),
            (["gpio", "watch", "GPIO17", "--debounce", "20"], "'20' is not a duration; add a unit, e.g. 20ms or 20s"),
            (["gpio", "watch", "GPIO17", "--debounce", "2s"], "--debounce 2s must be 0ns...1s"),
            (["gpio", "watch", "GPIO17", "--edge", "up"], "--edge 'up' is not one of rising, falling, both"),
            (["gpio", "get", "GPIO17", "--bias", "pullup"], "--bias 'pullup' is not one of as-is, pull-up, pull-down, disabled"),
            (["gpio", "list", "--board", "sim", "--boards-dir", "\(EdgeflowBinary.root)/boards"],
                "board 'sim' is simulated: its lines exist only inside `edgeflow run`"),
            (["gpio", "list", "--board", "rpi9", "--boards-dir", "\(EdgeflowBinary.root)/boards"], "no board 'rpi9'"),
        ]
        for (arguments, message) in cases {
            let r = try EdgeflowBinary.run(arguments)
            #expect(r.status == 2, "\(arguments): \(r.stderr)")
            #expect(r.stderr.contains(message), "\(arguments): \(r.stderr)")
        }
    }

    @Test func listingAMachineWithoutChipsIsNotAnError() throws {
        let r = try EdgeflowBinary.run(["gpio", "list", "--json"])
        #expect(r.status == 0)
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == #"{"chips":[]}"#)
    }
}
