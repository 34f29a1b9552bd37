/** The largest text input any loader reads (lspci, hwloc XML, specs, a dropped file). */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;
