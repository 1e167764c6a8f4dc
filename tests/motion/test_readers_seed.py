"""Seed pickle and human-video h5 folders: what they produce and how they refuse bad files."""

from __future__ import annotations

import os

import numpy as np
import pytest

from legged_gym.motion import MotionFormatError, load_motion, read_human_video_folder, read_seed_pickle
from legged_gym.motion.rotations import xyzw_to_wxyz
from tests.motion.helpers import G1_XML, seed_dict, write_h5_folder, write_pickle

POLICY_LINKS = ["pelvis", "left_knee_link", "right_wrist_yaw_link", "torso_link"]


@pytest.fixture(scope="module")
def seed() -> dict:
    return seed_dict(frames=40, fps=30.0, speed=0.4)


# ----------------------------------------------------------------------------- pickle
def test_pickle_reads_into_canonical_clip(tmp_path, seed):
    clip = read_seed_pickle(write_pickle(str(tmp_path / "walk.pkl"), seed), required_links=POLICY_LINKS)
    assert clip.name == "walk" and clip.fps == 30.0 and clip.num_frames == 40
    assert clip.joints.dtype == np.float32 and clip.joints.shape == (40, 23)
    assert all(n.endswith("_joint") for n in clip.joint_names)
    assert "pelvis" in clip.link_names and not any(n.endswith(".STL") for n in clip.link_names)
    np.testing.assert_allclose(clip.root_quat, xyzw_to_wxyz(seed["root_quat"]), atol=1e-7)
    np.testing.assert_allclose(clip.link_quat, xyzw_to_wxyz(seed["link_quat"]), atol=1e-7)
    assert clip.contacts["right_foot"].dtype == bool and clip.contacts["right_foot"].sum() == 20
    assert clip.contact_source == "file" and clip.terrain_path is None


def test_pickle_fps_from_file_else_declared_else_error(tmp_path):
    no_fps = write_pickle(str(tmp_path / "nofps.pkl"), seed_dict(frames=10, fps=None))
    assert read_seed_pickle(no_fps, fps=50.0).fps == 50.0
    with pytest.raises(MotionFormatError, match="nofps.pkl.*'fps'"):
        read_seed_pickle(no_fps)
    with_fps = write_pickle(str(tmp_path / "fps.pkl"), seed_dict(frames=10, fps=30.0))
    assert read_seed_pickle(with_fps, fps=50.0).fps == 30.0  # the file's own rate wins
    assert load_motion(no_fps, default_fps=25.0, robot_xml=G1_XML, data_pattern="x").fps == 25.0


@pytest.mark.parametrize("fps", [0.0, -30.0, 0.5, 5000.0, float("nan"), "thirty"])
def test_pickle_absurd_fps(tmp_path, fps):
    d = seed_dict(frames=10)
    d["fps"] = fps
    with pytest.raises(MotionFormatError, match="bad.pkl.*field 'fps'"):
        read_seed_pickle(write_pickle(str(tmp_path / "bad.pkl"), d))


def _broken(tmp_path, edit) -> str:
    d = seed_dict(frames=12)
    edit(d)
    return write_pickle(str(tmp_path / "broken.pkl"), d)


@pytest.mark.parametrize(
    "edit, field",
    [
        (lambda d: d.pop("link_quat"), "link_quat"),
        (lambda d: d["joints"].__setitem__((3, 4), np.nan), "joints"),
        (lambda d: d["link_pos"].__setitem__((1, 2, 0), np.inf), "link_pos"),
        (lambda d: d.__setitem__("joints", d["joints"][:, :22]), "joints"),
        (lambda d: d.__setitem__("root_pos", d["root_pos"][:, :2]), "root_pos"),
        (lambda d: d.__setitem__("root_quat", d["root_quat"] * 1.01), "root_quat"),
        (lambda d: d.__setitem__("link_quat", d["link_quat"] * 0.9), "link_quat"),
        (lambda d: d.__setitem__("joints", d["joints"][:-1]), "joints"),
        (lambda d: d["contacts"].pop("left_foot"), "contacts"),
        (lambda d: d["contacts"].__setitem__("right_foot", np.zeros(5, bool)), "contacts/right_foot"),
        (lambda d: d.__setitem__("joint_names", "left_hip_pitch_joint"), "joint_names"),
    ],
)
def test_pickle_errors_name_file_and_field(tmp_path, edit, field):
    path = _broken(tmp_path, edit)
    with pytest.raises(MotionFormatError) as info:
        read_seed_pickle(path)
    assert info.value.source == path and info.value.field_name.startswith(field.split("/")[0])
    assert path in str(info.value)


def test_pickle_missing_joint_or_link_the_caller_needs(tmp_path):
    def drop_knee(d):
        k = d["joint_names"].index("left_knee_joint")
        d["joint_names"] = d["joint_names"][:k] + d["joint_names"][k + 1:]
        d["joints"] = np.delete(d["joints"], k, axis=1)

    path = _broken(tmp_path, drop_knee)
    read_seed_pickle(path)  # nobody asked for the knee
    with pytest.raises(MotionFormatError, match="broken.pkl.*left_knee_joint"):
        read_seed_pickle(path, required_joints=["left_knee"])
    with pytest.raises(MotionFormatError, match="broken.pkl.*'link_names'.*hand_link"):
        read_seed_pickle(path, required_links=["pelvis", "hand_link"])


def test_pickle_with_wxyz_root_quaternions_is_refused(tmp_path):
    def to_wxyz(d):
        d["root_quat"] = xyzw_to_wxyz(d["root_quat"])

    path = _broken(tmp_path, to_wxyz)
    with pytest.raises(MotionFormatError, match="broken.pkl.*root_quat.*looks like wxyz"):
        read_seed_pickle(path)
    assert read_seed_pickle(path, check_quat_order=False).num_frames == 12


def test_pickle_top_level_must_be_a_dict(tmp_path):
    path = write_pickle(str(tmp_path / "list.pkl"), [1, 2])
    with pytest.raises(MotionFormatError, match="list.pkl.*dict"):
        read_seed_pickle(path, fps=30)
    garbage = tmp_path / "garbage.pkl"
    garbage.write_bytes(b"not a pickle")
    with pytest.raises(MotionFormatError, match="garbage.pkl"):
        read_seed_pickle(str(garbage), fps=30)


# ----------------------------------------------------------------------------- human-video folder
@pytest.mark.parametrize("prefix", ["/", ""])
@pytest.mark.parametrize("bytes_names", [False, True])
def test_h5_folder_both_attribute_spellings(tmp_path, seed, prefix, bytes_names):
    folder = write_h5_folder(str(tmp_path / "clip_subsample_2"), seed, attr_prefix=prefix, fps=15.0,
                             bytes_names=bytes_names)
    clip = read_human_video_folder(folder)
    assert clip.fps == 15.0 and clip.num_frames == 40 and clip.name == "clip_subsample_2"
    assert clip.terrain_path == os.path.join(folder, "background_mesh.obj")
    assert clip.joint_names == seed["joint_names"] and "torso_link" in clip.link_names
    np.testing.assert_allclose(clip.root_quat, xyzw_to_wxyz(seed["root_quat"]), atol=1e-6)
    assert clip.contact_source == "file" and clip.contacts["left_foot"].all()


def test_h5_fps_from_folder_name_then_declared(tmp_path, seed):
    folder = write_h5_folder(str(tmp_path / "x_cam01_frame_0_40_subsample_3"), seed, fps=None)
    assert read_human_video_folder(folder).fps == 10.0
    plain = write_h5_folder(str(tmp_path / "plain"), seed, fps=None)
    assert read_human_video_folder(plain, fps=30.0).fps == 30.0
    with pytest.raises(MotionFormatError, match="retarget_poses_g1.h5.*'fps'"):
        read_human_video_folder(plain)


def test_h5_without_mesh_and_via_load_motion(tmp_path, seed):
    folder = write_h5_folder(str(tmp_path / "nomesh"), seed, mesh=False)
    assert read_human_video_folder(folder).terrain_path is None
    assert load_motion(folder).num_frames == 40
    assert load_motion(os.path.join(folder, "retarget_poses_g1.h5")).num_frames == 40
    with pytest.raises(MotionFormatError, match="nomesh.*other.h5"):
        read_human_video_folder(folder, data_pattern="other.h5")


def test_h5_waist_columns_appended_when_absent(tmp_path, seed):
    clip = read_human_video_folder(write_h5_folder(str(tmp_path / "nowaist"), seed, drop_waist=True))
    assert clip.joints.shape == (40, 23)
    for name in ("waist_yaw_joint", "waist_roll_joint", "waist_pitch_joint"):
        assert not clip.joints[:, clip.joint_names.index(name)].any()


def test_h5_unknown_contacts_need_the_robot_to_derive(tmp_path):
    standing, gliding = seed_dict(frames=40, speed=0.0), seed_dict(frames=40, speed=0.6)
    zeros = {"left_foot": np.zeros(40), "right_foot": np.zeros(40)}
    for label, contacts in (("zeros", zeros), ("absent", None)):
        folder = write_h5_folder(str(tmp_path / label), standing, contacts=contacts)
        with pytest.raises(MotionFormatError, match=f"{label}.*'robot_xml'.*derive contacts"):
            read_human_video_folder(folder)
        clip = read_human_video_folder(folder, robot_xml=G1_XML)
        assert clip.contact_source == "derived"
        assert clip.contacts["left_foot"].all() and clip.contacts["right_foot"].all()  # standing still
    folder = write_h5_folder(str(tmp_path / "glide"), gliding, contacts=None)
    clip = read_human_video_folder(folder, robot_xml=G1_XML)  # feet on the ground but sliding at 0.6 m/s
    assert not clip.contacts["left_foot"].any() and not clip.contacts["right_foot"].any()


def test_h5_float_contacts_threshold_and_link_recompute(tmp_path, seed):
    contacts = {"left_foot": np.linspace(0, 1, 40), "right_foot": np.ones(40)}
    stale = dict(seed, link_pos=np.repeat(seed["link_pos"][:1], 40, axis=0))  # one posture for all frames
    folder = write_h5_folder(str(tmp_path / "f"), stale, contacts=contacts)
    clip = read_human_video_folder(folder)
    np.testing.assert_array_equal(clip.contacts["left_foot"], np.linspace(0, 1, 40) > 0.5)
    with pytest.raises(MotionFormatError, match="'robot_xml'.*recompute link poses"):
        read_human_video_folder(folder, recompute_links=True)
    fixed = read_human_video_folder(folder, robot_xml=G1_XML, recompute_links=True)
    assert len(fixed.link_names) == 30 and fixed.contact_source == "file"
    np.testing.assert_array_equal(fixed.contacts["left_foot"], clip.contacts["left_foot"])  # the file's flags kept
    k = fixed.link_names.index("left_wrist_yaw_link")
    wrist = seed["link_pos"][:, seed["link_names"].index("left_wrist_yaw_link.STL")]
    np.testing.assert_allclose(fixed.link_pos[:, k], wrist, atol=1e-5)


def test_h5_multi_person_and_bad_quaternion(tmp_path, seed):
    import h5py

    folder = tmp_path / "multi"
    folder.mkdir()
    with h5py.File(folder / "retarget_poses_g1.h5", "w") as f:
        f.create_group("persons/0")
    with pytest.raises(MotionFormatError, match="multi-person"):
        read_human_video_folder(str(folder))
    bad = dict(seed, root_quat=np.asarray(seed["root_quat"]) * 2.0)
    with pytest.raises(MotionFormatError, match="bad.*root_quat.*unit"):
        read_human_video_folder(write_h5_folder(str(tmp_path / "bad"), bad))
    nan = dict(seed, link_pos=np.full_like(seed["link_pos"], np.nan))
    with pytest.raises(MotionFormatError, match="nan.*link_pos.*finite"):
        read_human_video_folder(write_h5_folder(str(tmp_path / "nan"), nan))
