/**
 * Draws a Scene (scene.ts) onto an @napi-rs/canvas 2D context: the Node-side twin of the renderer's
 * Pixi drawing (renderer/src/scenes/pixi-scene.ts), with the same geometry: closed polygons filled
 * then stroked (centred strokes, default width 1), circles, butt-capped lines, and text anchored
 * at its left / centre / right edge and vertical middle. Used by the GIF and PNG exporters.
 */
import { createCanvas, type Canvas, type SKRSContext2D } from '@napi-rs/canvas';
import type { RGB, Scene } from './scene.ts';

const css = ([r, g, b]: RGB): string => `rgb(${r & 255}, ${g & 255}, ${b & 255})`;

/** Fonts the exporter can count on: whatever sans-serif the system has (Pixi uses system-ui). */
const FONT_FAMILY = 'system-ui, "DejaVu Sans", "Liberation Sans", Arial, sans-serif';

/**
 * Paints `scene` at `scale` × its 600×400 coordinates (the background covers width·scale ×
 * height·scale). Placed (`at`, its top-left corner in scene units) it is clipped to its own
 * rectangle, so a shape leaving its viewport cannot paint over a neighbour. The context's
 * transform and clip are restored afterwards.
 */
export function drawScene(ctx: SKRSContext2D, scene: Scene, scale = 1, at?: { x: number; y: number }): void {
  ctx.save();
  ctx.setTransform(scale, 0, 0, scale, (at?.x ?? 0) * scale, (at?.y ?? 0) * scale);
  if (at) {
    ctx.beginPath();
    ctx.rect(0, 0, scene.width, scene.height);
    ctx.clip();
  }
  ctx.fillStyle = css(scene.background);
  ctx.fillRect(0, 0, scene.width, scene.height);
  ctx.lineJoin = 'miter';
  ctx.lineCap = 'butt';
  for (const s of scene.shapes) {
    switch (s.kind) {
      case 'polygon': {
        if (s.points.length < 2) break;
        ctx.beginPath();
        ctx.moveTo(s.points[0][0], s.points[0][1]);
        for (let i = 1; i < s.points.length; i++) ctx.lineTo(s.points[i][0], s.points[i][1]);
        ctx.closePath();
        paint(ctx, s.fill, s.stroke, s.strokeWidth);
        break;
      }
      case 'circle':
        ctx.beginPath();
        ctx.arc(s.x, s.y, Math.max(0, s.r), 0, 2 * Math.PI);
        ctx.closePath();
        paint(ctx, s.fill, s.stroke, s.strokeWidth);
        break;
      case 'line':
        ctx.beginPath();
        ctx.moveTo(s.x1, s.y1);
        ctx.lineTo(s.x2, s.y2);
        ctx.strokeStyle = css(s.color);
        ctx.lineWidth = s.width;
        ctx.stroke();
        break;
      case 'text':
        ctx.font = `${s.size}px ${FONT_FAMILY}`;
        ctx.fillStyle = css(s.color);
        ctx.textAlign = s.align;
        ctx.textBaseline = 'middle';
        ctx.fillText(s.text, s.x, s.y);
        break;
    }
  }
  ctx.restore();
}

function paint(ctx: SKRSContext2D, fill: RGB | undefined, stroke: RGB | undefined, width: number | undefined): void {
  if (fill) {
    ctx.fillStyle = css(fill);
    ctx.fill();
  }
  if (stroke) {
    ctx.strokeStyle = css(stroke);
    ctx.lineWidth = width ?? 1;
    ctx.stroke();
  }
}

/** Several scenes placed side by side or stacked in one picture (a GIF of two agents, each captioned). */
export interface Picture {
  width: number;
  height: number;
  parts: readonly { scene: Scene; x: number; y: number }[];
}

/** Paints every part of `picture` at `scale`, each clipped to its own rectangle. */
export function drawPicture(ctx: SKRSContext2D, picture: Picture, scale = 1): void {
  for (const p of picture.parts) drawScene(ctx, p.scene, scale, p);
}

/** A canvas sized for `scene` at `scale` (at least 1×1 pixel). */
export function sceneCanvas(scene: Pick<Scene, 'width' | 'height'>, scale = 1): Canvas {
  return createCanvas(Math.max(1, Math.round(scene.width * scale)), Math.max(1, Math.round(scene.height * scale)));
}

/** Renders `scene` to a new canvas (for one-offs; the GIF encoder reuses a single canvas). */
export function rasterize(scene: Scene, scale = 1): Canvas {
  const canvas = sceneCanvas(scene, scale);
  drawScene(canvas.getContext('2d'), scene, scale);
  return canvas;
}
