"""A two-view pygame drawing of quadrotors: side view (x-z) on the left, top view (x-y) right.

Everything is drawn on an off-screen ``pygame.Surface``, so ``rgb_array`` works with no display;
``human`` mode blits the same surface to a window.
"""

from __future__ import annotations

import numpy as np

FRAME_WIDTH = 640
FRAME_HEIGHT = 320
PANEL_WIDTH = FRAME_WIDTH // 2
PIXELS_PER_METRE = 90.0
# Drones are a few centimetres across; drawn at true scale they would be a few pixels.
DRONE_DRAW_SCALE = 2.5

BACKGROUND = (245, 246, 250)
GRID = (220, 223, 230)
GROUND = (120, 110, 95)
TARGET = (214, 39, 40)
REFERENCE_PATH = (150, 150, 210)
TRAIL = (170, 170, 170)
TEXT = (40, 40, 40)
DRONE_COLOURS = (
    (31, 119, 180),
    (44, 160, 44),
    (255, 127, 14),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (23, 190, 207),
)


class QuadrotorRenderer:
    """Draws drones, targets, an optional reference path and recent positions."""

    def __init__(self, view_centre: tuple[float, float, float] = (0.0, 0.0, 1.0)) -> None:
        import pygame

        pygame.font.init()
        self._pygame = pygame
        self.surface = pygame.Surface((FRAME_WIDTH, FRAME_HEIGHT))
        self.font = pygame.font.Font(None, 18)
        self.view_centre = np.asarray(view_centre, dtype=float)
        self.window = None

    def _side(self, point: np.ndarray) -> tuple[int, int]:
        # x to the right, z up; the ground sits near the panel's bottom edge.
        u = PANEL_WIDTH / 2 + (point[0] - self.view_centre[0]) * PIXELS_PER_METRE
        v = FRAME_HEIGHT - 30 - point[2] * PIXELS_PER_METRE
        return round(u), round(v)

    def _top(self, point: np.ndarray) -> tuple[int, int]:
        # x to the right, y up, centred on the view centre.
        u = PANEL_WIDTH + PANEL_WIDTH / 2 + (point[0] - self.view_centre[0]) * PIXELS_PER_METRE
        v = FRAME_HEIGHT / 2 - (point[1] - self.view_centre[1]) * PIXELS_PER_METRE
        return round(u), round(v)

    def draw(
        self,
        positions: np.ndarray,
        rotations: np.ndarray,
        motor_positions: np.ndarray,
        targets: np.ndarray,
        reference_path: np.ndarray | None = None,
        trails: list[np.ndarray] | None = None,
        caption: str = "",
    ) -> np.ndarray:
        """Draw one frame and return it as a (height, width, 3) uint8 array.

        ``positions`` (N, 3), ``rotations`` (N, 3, 3), ``motor_positions`` (4, 2) in the body
        frame, ``targets`` (N, 3), ``reference_path`` (M, 3), ``trails`` per drone (K, 3).
        """
        pygame = self._pygame
        surface = self.surface
        surface.fill(BACKGROUND)
        for metres in np.arange(-3.0, 3.01, 0.5):
            # Grid lines every half metre in both panels.
            x_side = self._side(np.array([metres, 0.0, 0.0]))[0]
            pygame.draw.line(surface, GRID, (x_side, 0), (x_side, FRAME_HEIGHT))
            height = self._side(np.array([0.0, 0.0, metres + 3.0]))[1]
            pygame.draw.line(surface, GRID, (0, height), (PANEL_WIDTH, height))
            x_top, y_top = self._top(np.array([metres, metres, 0.0]))
            pygame.draw.line(surface, GRID, (x_top, 0), (x_top, FRAME_HEIGHT))
            pygame.draw.line(surface, GRID, (PANEL_WIDTH, y_top), (FRAME_WIDTH, y_top))
        ground = self._side(np.zeros(3))[1]
        pygame.draw.rect(surface, GROUND, (0, ground, PANEL_WIDTH, FRAME_HEIGHT - ground))
        pygame.draw.line(surface, TEXT, (PANEL_WIDTH, 0), (PANEL_WIDTH, FRAME_HEIGHT), 2)

        if reference_path is not None and len(reference_path) > 1:
            pygame.draw.lines(
                surface, REFERENCE_PATH, False, [self._side(p) for p in reference_path]
            )
            pygame.draw.lines(
                surface, REFERENCE_PATH, False, [self._top(p) for p in reference_path]
            )
        for trail in trails or []:
            if len(trail) > 1:
                pygame.draw.lines(surface, TRAIL, False, [self._side(p) for p in trail])
                pygame.draw.lines(surface, TRAIL, False, [self._top(p) for p in trail])
        for target in targets:
            for project in (self._side, self._top):
                u, v = project(target)
                pygame.draw.circle(surface, TARGET, (u, v), 6, 2)
                pygame.draw.line(surface, TARGET, (u - 9, v), (u + 9, v), 1)
                pygame.draw.line(surface, TARGET, (u, v - 9), (u, v + 9), 1)

        motors_body = np.zeros((4, 3))
        motors_body[:, 0:2] = motor_positions * DRONE_DRAW_SCALE
        for index, (position, rotation) in enumerate(zip(positions, rotations, strict=True)):
            colour = DRONE_COLOURS[index % len(DRONE_COLOURS)]
            motors_world = position + motors_body @ rotation.T  # (4, 3)
            for project in (self._side, self._top):
                centre = project(position)
                for motor in motors_world:
                    pygame.draw.line(surface, colour, centre, project(motor), 3)
                    pygame.draw.circle(surface, colour, project(motor), 5, 1)
                pygame.draw.circle(surface, colour, centre, 4)
            # A short line along body z shows the attitude in the side view.
            nose = position + rotation[:, 2] * 0.15
            pygame.draw.line(surface, TEXT, self._side(position), self._side(nose), 1)

        surface.blit(self.font.render("side (x-z)", True, TEXT), (6, 4))
        surface.blit(self.font.render("top (x-y)", True, TEXT), (PANEL_WIDTH + 6, 4))
        if caption:
            surface.blit(self.font.render(caption, True, TEXT), (6, FRAME_HEIGHT - 18))
        return np.ascontiguousarray(
            np.transpose(pygame.surfarray.array3d(surface), (1, 0, 2)), dtype=np.uint8
        )

    def show(self, fps: int) -> None:
        """Blit the last frame to a window (``human`` mode)."""
        pygame = self._pygame
        if self.window is None:
            pygame.display.init()
            self.window = pygame.display.set_mode((FRAME_WIDTH, FRAME_HEIGHT))
            self.clock = pygame.time.Clock()
        pygame.event.pump()
        self.window.blit(self.surface, (0, 0))
        pygame.display.flip()
        self.clock.tick(fps)

    def close(self) -> None:
        """Close the window, if one was opened."""
        if self.window is not None:
            self._pygame.display.quit()
            self.window = None
