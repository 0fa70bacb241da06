import { controlSubclasses } from './control-subclasses.ts';
import { FrameType } from './frame-types.ts';
import { formatName } from './formats.ts';
import { iaxCommands } from './iax-commands.ts';

/**
 * A subclass in the words of its frame type: the IAX command ("NEW"), the control ("ANSWER",
 * "STOP_TONES"), the format ("ulaw"), or the DTMF digit ("5"); otherwise the number.
 */
export function subclassName(frameType: number, subclass: number): string {
  switch (frameType) {
    case FrameType.IAX:
      return iaxCommands.nameOf(subclass) ?? String(subclass);
    case FrameType.CONTROL:
      return controlSubclasses.nameOf(subclass) ?? String(subclass);
    case FrameType.VOICE:
    case FrameType.VIDEO:
      return subclass > 0 ? formatName(subclass) : String(subclass);
    case FrameType.DTMF_END:
    case FrameType.DTMF_BEGIN:
      return subclass >= 0x20 && subclass < 0x7f ? String.fromCharCode(subclass) : String(subclass);
    default:
      return String(subclass);
  }
}
