/**
 * An edn tagged literal the app has no reader for, kept as is: `#my/tag 42`
 * reads as `new TaggedValue('my/tag', 42)` when the packer's `defaultReader`
 * returns one, and is written back the same way.
 *
 * @example
 * ```ts
 * const packer = ednPacker({ defaultReader: (tag, value) => new TaggedValue(tag, value) });
 * ```
 */
export class TaggedValue {
  /**
   * @param tag The tag without `#`, e.g. `'my/point'`.
   * @param value The tagged form, as read.
   */
  constructor(
    readonly tag: string,
    readonly value: unknown,
  ) {}
}
