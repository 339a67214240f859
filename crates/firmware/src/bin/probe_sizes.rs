//! Sizes of every limiter as laid out on the target, for
//! `scripts/footprint.sh`: each `RATECORE_SIZEOF_*` symbol is a byte array
//! exactly `size_of::<T>()` long, so `llvm-nm --print-size` reads the layout
//! of the target without running anything.
#![no_std]
#![no_main]

use core::hint::black_box;
use core::mem::size_of;

use ratecore::{
    Decision, FixedWindow, Gcra, IntervalBucket, LeakyMeter, LeakyQueue, LocalFixedWindow, LocalGcra,
    LocalIntervalBucket, LocalLeakyMeter, LocalLeakyQueue, LocalSlidingLog, LocalSlidingWindow,
    LocalTokenBucket, ManualClock, NoClock, Quota, SlidingLog, SlidingWindow, TickClock, TokenBucket,
};

macro_rules! sizes {
    ($($name:ident = $T:ty;)*) => {
        $(
            #[unsafe(no_mangle)]
            pub static $name: [u8; size_of::<$T>()] = [0; size_of::<$T>()];
        )*

        #[cortex_m_rt::entry]
        fn main() -> ! {
            loop {
                $( black_box(&$name); )*
            }
        }
    };
}

sizes! {
    RATECORE_SIZEOF_GCRA = Gcra<NoClock>;
    RATECORE_SIZEOF_LOCAL_GCRA = LocalGcra<NoClock>;
    RATECORE_SIZEOF_TOKEN_BUCKET = TokenBucket<NoClock>;
    RATECORE_SIZEOF_LOCAL_TOKEN_BUCKET = LocalTokenBucket<NoClock>;
    RATECORE_SIZEOF_INTERVAL_BUCKET = IntervalBucket<NoClock>;
    RATECORE_SIZEOF_LOCAL_INTERVAL_BUCKET = LocalIntervalBucket<NoClock>;
    RATECORE_SIZEOF_LEAKY_METER = LeakyMeter<NoClock>;
    RATECORE_SIZEOF_LOCAL_LEAKY_METER = LocalLeakyMeter<NoClock>;
    RATECORE_SIZEOF_LEAKY_QUEUE = LeakyQueue<NoClock>;
    RATECORE_SIZEOF_LOCAL_LEAKY_QUEUE = LocalLeakyQueue<NoClock>;
    RATECORE_SIZEOF_FIXED_WINDOW = FixedWindow<NoClock>;
    RATECORE_SIZEOF_LOCAL_FIXED_WINDOW = LocalFixedWindow<NoClock>;
    RATECORE_SIZEOF_SLIDING_WINDOW = SlidingWindow<NoClock>;
    RATECORE_SIZEOF_LOCAL_SLIDING_WINDOW = LocalSlidingWindow<NoClock>;
    RATECORE_SIZEOF_SLIDING_LOG_8 = SlidingLog<NoClock, 8>;
    RATECORE_SIZEOF_LOCAL_SLIDING_LOG_8 = LocalSlidingLog<NoClock, 8>;
    RATECORE_SIZEOF_SLIDING_LOG_64 = SlidingLog<NoClock, 64>;
    RATECORE_SIZEOF_LOCAL_SLIDING_LOG_64 = LocalSlidingLog<NoClock, 64>;
    RATECORE_SIZEOF_QUOTA = Quota;
    RATECORE_SIZEOF_DECISION = Decision;
    RATECORE_SIZEOF_MANUAL_CLOCK = ManualClock;
    RATECORE_SIZEOF_TICK_CLOCK = TickClock<fn() -> u32>;
    RATECORE_SIZEOF_STATE_WORD = u64;
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {}
}
