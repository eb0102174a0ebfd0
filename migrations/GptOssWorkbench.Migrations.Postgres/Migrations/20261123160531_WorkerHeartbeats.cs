using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace GptOssWorkbench.Migrations.Postgres.Migrations
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
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    MachineName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    ProcessId = table.Column<int>(type: "integer", nullable: false),
                    Device = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Dtype = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Threads = table.Column<int>(type: "integer", nullable: false),
                    LoadedModelsJson = table.Column<string>(type: "text", nullable: false),
                    KvBlocksUsed = table.Column<int>(type: "integer", nullable: false),
                    KvBlocksTotal = table.Column<int>(type: "integer", nullable: false),
                    RunningSequences = table.Column<int>(type: "integer", nullable: false),
                    WaitingSequences = table.Column<int>(type: "integer", nullable: false),
                    TokensPerSecond = table.Column<double>(type: "double precision", nullable: false),
                    StartedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    LastSeenAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    StoppedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
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
