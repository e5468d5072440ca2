-- The conversation list groups one folder's messages by thread: this index lets SQLite group
-- without sorting the folder and answer the counts (date, flags) from the index alone.
CREATE INDEX messages_folder_thread ON messages(folder_id, thread_key, internal_date, flags);
