using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GptOssWorkbench.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class WorkerHeartbeats : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "WorkerHeartbeats",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    MachineName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    ProcessId = table.Column<int>(type: "INTEGER", nullable: false),
                    Device = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Dtype = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Threads = table.Column<int>(type: "INTEGER", nullable: false),
                    LoadedModelsJson = table.Column<string>(type: "TEXT", nullable: false),
                    KvBlocksUsed = table.Column<int>(type: "INTEGER", nullable: false),
                    KvBlocksTotal = table.Column<int>(type: "INTEGER", nullable: false),
                    RunningSequences = table.Column<int>(type: "INTEGER", nullable: false),
                    WaitingSequences = table.Column<int>(type: "INTEGER", nullable: false),
                    TokensPerSecond = table.Column<double>(type: "REAL", nullable: false),
                    StartedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    LastSeenAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    StoppedAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WorkerHeartbeats", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_WorkerHeartbeats_LastSeenAt",
                table: "WorkerHeartbeats",
                column: "LastSeenAt");

            migrationBuilder.CreateIndex(
                name: "IX_WorkerHeartbeats_Name",
                table: "WorkerHeartbeats",
                column: "Name",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "WorkerHeartbeats");
        }
    }
}
